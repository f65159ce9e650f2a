import { isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';

/**
 * fetch that connects only to the given addresses, whatever the host name resolves to by then. The metadata fetcher
 * checks a redirect target's addresses before following it; connecting through an ordinary fetch would resolve the
 * name a second time, and a DNS server under an attacker's control could answer with an internal address the
 * second time (DNS rebinding). Here the connection uses exactly the checked addresses. TLS still verifies the
 * certificate against the host name in the URL (SNI and hostname check are unchanged): only the address is pinned.
 *
 * Returns the response and a close() for the connection pool; call it once the body has been read or discarded.
 */
export async function pinnedFetch(url: string, init: RequestInit, addresses: readonly string[]): Promise<{ res: Response; close: () => Promise<void> }> {
  if (addresses.length === 0 || addresses.some((a) => isIP(a) === 0)) throw new Error('pinnedFetch needs one or more IP addresses');
  const entries = addresses.map((address) => ({ address, family: isIP(address) }));
  const agent = new Agent({
    connect: {
      // net.connect's lookup hook: answered from the pinned list, never from DNS. Node asks for all addresses when it
      // races IPv4 and IPv6 (autoSelectFamily), and for one otherwise.
      lookup: ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
        if (options?.all) callback(null, entries);
        else callback(null, entries[0]!.address, entries[0]!.family);
      }) as never,
    },
  });
  try {
    const res = (await undiciFetch(url, { ...(init as object), dispatcher: agent } as never)) as unknown as Response;
    return { res, close: () => agent.close() };
  } catch (e) {
    await agent.destroy().catch(() => {});
    throw e;
  }
}
