/**
 * Guest-side helpers built on the host fs functions. They need no host privilege of their own: every
 * byte still comes through fs.read / fs.readBytes (and their Cedar checks). Regular expressions are
 * compiled and run HERE, in the guest, so a catastrophic pattern is stopped by the sandbox's interrupt
 * handler and never blocks the host thread.
 *
 * Installation works whether or not the engine froze the host `fs` object: the prelude builds a new
 * frozen object holding the host functions plus the helpers, and replaces `globalThis.fs` keeping the
 * original property's attributes. Only if the global is neither configurable nor writable does it fall
 * back to adding the helpers to the existing object (and fails loudly if that is frozen too).
 *
 *   fs.grep(pattern, path) -> [{line, text}]   pattern: string (compiled as `new RegExp(pattern)`) or RegExp;
 *                                              line numbers start at 1; lines are split on "\n".
 *   fs.tail(path, n = 10)  -> string[]          the last n lines (a final newline does not add an empty line).
 *   fs.wc(path)            -> {lines, words, bytes}  like `LC_ALL=C wc`: lines = "\n" count, words are
 *                                              runs of non-ASCII-whitespace bytes, bytes = file size read.
 */
export const FS_PRELUDE = String.raw`(function () {
  'use strict';
  var base = globalThis.fs;
  if (base === undefined || base === null) return;
  var hostRead = base.read;
  var hostReadBytes = base.readBytes;

  function fail(code, message) {
    var err = new Error(message);
    err.name = 'SdkError';
    err.code = code;
    return err;
  }

  function toRegExp(pattern) {
    if (pattern instanceof RegExp) return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    if (typeof pattern !== 'string') throw fail('INVALID_ARGUMENT', 'fs.grep: pattern must be a string or a RegExp');
    try {
      return new RegExp(pattern);
    } catch (e) {
      throw fail('INVALID_ARGUMENT', 'fs.grep: invalid regular expression: ' + (e && e.message));
    }
  }

  function splitLines(text) {
    if (text === '') return [];
    var lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  function grep(pattern, path) {
    var re = toRegExp(pattern);
    var lines = splitLines(hostRead(path));
    var out = [];
    for (var i = 0; i < lines.length; i++) {
      if (re.test(lines[i])) out.push({ line: i + 1, text: lines[i] });
    }
    return out;
  }

  function tail(path, n) {
    if (n === undefined) n = 10;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw fail('INVALID_ARGUMENT', 'fs.tail: n must be a non-negative integer');
    }
    var lines = splitLines(hostRead(path));
    return n === 0 ? [] : lines.slice(-n);
  }

  function wc(path) {
    var bytes = hostReadBytes(path);
    var lines = 0;
    var words = 0;
    var inWord = false;
    for (var i = 0; i < bytes.length; i++) {
      var c = bytes[i];
      if (c === 10) lines++;
      if (c === 32 || (c >= 9 && c <= 13)) {
        inWord = false;
      } else if (!inWord) {
        inWord = true;
        words++;
      }
    }
    return { lines: lines, words: words, bytes: bytes.length };
  }

  var helpers = { grep: grep, tail: tail, wc: wc };
  var api = {};
  var names = Object.getOwnPropertyNames(base);
  for (var i = 0; i < names.length; i++) api[names[i]] = base[names[i]];
  for (var key in helpers) api[key] = helpers[key];
  Object.freeze(api);

  var desc = Object.getOwnPropertyDescriptor(globalThis, 'fs');
  if (desc === undefined || desc.configurable) {
    Object.defineProperty(globalThis, 'fs', {
      value: api,
      writable: desc === undefined ? true : desc.writable !== false,
      enumerable: desc === undefined ? false : !!desc.enumerable,
      configurable: desc === undefined ? true : !!desc.configurable,
    });
  } else if (desc.writable) {
    globalThis.fs = api;
  } else if (Object.isExtensible(base)) {
    for (var k in helpers) Object.defineProperty(base, k, { value: helpers[k], enumerable: true });
  } else {
    throw new Error('fs prelude: the global fs is frozen and read-only; cannot install fs.grep/tail/wc');
  }
})();
`;
