import { useEffect } from 'preact/hooks';

/** Sets document.title to "<title> · Clientele". */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Clientele`;
  }, [title]);
}
