/** One script function as `writ functions` lists it: what it is called and which Cedar requests it makes. */
export interface FunctionInfo {
  /** e.g. `net.get` */
  readonly name: string;
  /** e.g. `net.get(url, {headers?}) -> {status, headers, body, url}` */
  readonly signature: string;
  /** Every Cedar action the function may ask, e.g. `network::Action::"GET"`. */
  readonly actions: readonly string[];
  readonly description: string;
}
