/**
 * Axon IPs as subtensor stores them: u128 + ip_type (4 or 6). Pure functions.
 */
import { SubnetError } from '../errors';

/** Parses a dotted IPv4 or an IPv6 string into subtensor's (u128, ip_type). */
export function ipToInt(ip: string): { ip: bigint; ipType: 4 | 6 } {
  const s = ip.trim();
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    let n = 0n;
    for (let i = 1; i <= 4; i++) {
      const b = Number(v4[i]);
      if (b > 255 || (v4[i]!.length > 1 && v4[i]!.startsWith('0'))) throw badIp(ip);
      n = (n << 8n) | BigInt(b);
    }
    return { ip: n, ipType: 4 };
  }
  if (s.includes(':')) {
    let body = s;
    let tailV4: number[] | null = null;
    const m = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(s);
    if (m) {
      const t = ipToInt(m[2]!).ip;
      tailV4 = [Number(t >> 16n), Number(t & 0xffffn)];
      body = m[1]!.endsWith('::') ? m[1]! : m[1]!.slice(0, -1);
    }
    const dbl = body.split('::');
    if (dbl.length > 2) throw badIp(ip);
    const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw badIp(ip);
      return parseInt(g, 16);
    }));
    const head = parse(dbl[0]!);
    const tail = dbl.length === 2 ? parse(dbl[1]!) : [];
    if (tailV4) tail.push(...tailV4);
    let groups: number[];
    if (dbl.length === 2) {
      const fill = 8 - head.length - tail.length;
      if (fill < 1) throw badIp(ip);
      groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
    } else {
      groups = [...head, ...(tailV4 ?? [])];
    }
    if (groups.length !== 8) throw badIp(ip);
    let n = 0n;
    for (const g of groups) n = (n << 16n) | BigInt(g);
    return { ip: n, ipType: 6 };
  }
  throw badIp(ip);
}

/** Formats subtensor's (u128, ip_type) as a dotted IPv4 or a compressed IPv6 string. */
export function intToIp(ip: bigint, ipType: number): string {
  if (ipType === 4) {
    if (ip < 0n || ip > 0xffffffffn) throw new SubnetError('CHAIN_BAD_INPUT', `IPv4 value out of range: ${ip}`, { ip: ip.toString() });
    return [24n, 16n, 8n, 0n].map((s) => Number((ip >> s) & 0xffn)).join('.');
  }
  if (ipType === 6) {
    const g: number[] = [];
    for (let i = 7; i >= 0; i--) g.push(Number((ip >> BigInt(i * 16)) & 0xffffn));
    // longest run of zeros (length >= 2) becomes '::'
    let best = -1;
    let bestLen = 0;
    for (let i = 0; i < 8; ) {
      if (g[i] !== 0) { i++; continue; }
      let j = i;
      while (j < 8 && g[j] === 0) j++;
      if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
      i = j;
    }
    const hex = g.map((x) => x.toString(16));
    if (best < 0) return hex.join(':');
    return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
  }
  throw new SubnetError('CHAIN_BAD_INPUT', `unknown ip_type ${ipType}`, { ipType });
}

function badIp(ip: string): SubnetError {
  return new SubnetError('CHAIN_BAD_INPUT', `not an IPv4/IPv6 address: ${JSON.stringify(ip)}`, { ip });
}
