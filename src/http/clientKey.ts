import { isIP } from 'node:net';

/**
 * The key every per-client limit counts under (signups per IP, the sign-in and
 * bearer-token throttles). An IPv4 address is a client; an IPv4-mapped IPv6
 * address is that IPv4 client; any other IPv6 address counts as its /64,
 * because one subscriber line or host is routinely handed a whole /64 and could
 * otherwise rotate through 2^64 "clients". Spellings of one address (case,
 * leading zeros, `::`, a zone id) give one key.
 *
 * `ip` is the client as Fastify sees it (`request.ip`, after the app's
 * trustProxy setting), so a spoofed X-Forwarded-For beyond the trusted hops
 * never reaches here.
 */
export function clientKey(ip: string): string {
  const address = ip.trim().replace(/%.*$/, '');
  const version = isIP(address);
  if (version === 4) return address;
  if (version !== 6) return ip;
  const groups = ipv6Groups(address.toLowerCase());
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail turned into two groups). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - front.length - back.length).fill(0);
  return [...front, ...zeros, ...back];
}
