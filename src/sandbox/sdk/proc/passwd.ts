import { readFileSync } from 'node:fs';

/** uid -> user name from /etc/passwd (read once per call; an unknown uid is shown as its number). */
export function userNames(): (uid: number) => string {
  const names = new Map<number, string>();
  let text = '';
  try {
    text = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // No passwd file (minimal containers): every user is shown by number.
  }
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    const n = Number(uid);
    if (name !== undefined && name !== '' && uid !== undefined && uid !== '' && Number.isSafeInteger(n) && !names.has(n)) names.set(n, name);
  }
  return (uid) => names.get(uid) ?? String(uid);
}
