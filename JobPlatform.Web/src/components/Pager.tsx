export interface PagerProps {
  page: number
  totalPages: number
  onPage: (page: number) => void
  /** Names the navigation for screen readers, e.g. "Job pages". */
  label: string
}

/** Previous / Next with "Page 2 of 7" between them; nothing when everything fits on one page. */
export function Pager({ page, totalPages, onPage, label }: PagerProps) {
  if (totalPages <= 1 && page <= 1) {
    return null
  }
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {Math.max(totalPages, 1)}
      </span>
      <button type="button" disabled={page >= totalPages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  )
}
