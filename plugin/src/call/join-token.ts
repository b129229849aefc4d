/** The one-time join token from a `/j/<token>` link; null when the path has none. */
export function joinTokenFromPath(pathname: string): string | null {
  const match = /\/j\/([^/]+)\/?$/.exec(pathname);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}
