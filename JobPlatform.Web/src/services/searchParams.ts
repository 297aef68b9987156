import { useSearchParams } from 'react-router'

/**
 * The page's search params, and a function that changes some of them in place (an empty value
 * removes the key) without adding a history entry: filters and pages live in the URL.
 */
export function useSearchState() {
  const [search, setSearch] = useSearchParams()
  const update = (changes: Record<string, string>) =>
    setSearch(
      (current) => {
        const next = new URLSearchParams(current)
        for (const [key, value] of Object.entries(changes)) {
          if (value) next.set(key, value)
          else next.delete(key)
        }
        return next
      },
      { replace: true },
    )
  return [search, update] as const
}
