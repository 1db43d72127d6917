/**
 * One configured ModelService endpoint: a name used in responses and a gRPC target. Replicas: `dns:///` (re-resolved)
 * or a static `ipv4:addr:port,addr:port` list; either way calls are spread round-robin.
 */
export interface BackendTarget {
  name: string;
  target: string;
}

export const DEFAULT_BACKENDS = 'ar=127.0.0.1:50051,diffusion=127.0.0.1:50052';

const NAME = /^[a-z][a-z0-9_-]{0,31}$/;
// host:port, [v6]:port, or a gRPC name-resolver URI such as dns:///svc.ns:50051 or unix:/path
const TARGET = /^(?:[a-z][a-z0-9+.-]*:.+|\[[0-9a-fA-F:.]+\]:\d{1,5}|[A-Za-z0-9.-]+:\d{1,5})$/;

/**
 * Parses ENSEMBLE_BACKENDS (`name=target,name=target`). Errors name the entry at fault, because this string is
 * typed by hand into manifests and shells.
 */
export function parseBackends(spec: string): BackendTarget[] {
  // Split only before `name=`, so a target may itself list addresses: ar=ipv4:10.0.0.1:50051,10.0.0.2:50051
  const entries = spec
    .split(/,(?=\s*[^,=\s]+=)/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new Error('must list at least one backend as name=host:port');
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const at = entry.indexOf('=');
    const name = at > 0 ? entry.slice(0, at).trim() : '';
    const target = at > 0 ? entry.slice(at + 1).trim() : '';
    const where = `entry ${i + 1} (${JSON.stringify(entry)})`;
    if (!NAME.test(name)) {
      throw new Error(`${where} must be name=target with a name of lowercase letters, digits, - or _`);
    }
    if (!TARGET.test(target))
      throw new Error(`${where} has no valid gRPC target: use host:port or dns:///host:port`);
    if (target.includes(',') && !/^ipv[46]:/.test(target)) {
      throw new Error(
        `${where}: only an ipv4: or ipv6: target may list several addresses (a,b); is a name= missing?`,
      );
    }
    if (seen.has(name)) throw new Error(`${where} repeats the backend name ${name}`);
    seen.add(name);
    return { name, target };
  });
}
