import { fireEvent, render, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { Pager } from './Pager'

describe('Pager', () => {
  it('says which page of how many, and moves one page either way', () => {
    const onPage = vi.fn()
    render(<Pager page={2} totalPages={3} onPage={onPage} label="Job pages" />)

    expect(screen.getByRole('navigation', { name: 'Job pages' })).toHaveTextContent('Page 2 of 3')
    fireEvent.click(screen.getByRole('button', { name: 'Previous' }))
    fireEvent.click(screen.getByRole('button', { name: 'Next' }))
    expect(onPage.mock.calls).toEqual([[1], [3]])
  })

  it('disables the way past either end', () => {
    const { rerender } = render(<Pager page={1} totalPages={3} onPage={() => {}} label="Pages" />)
    expect(screen.getByRole('button', { name: 'Previous' })).toBeDisabled()

    rerender(<Pager page={3} totalPages={3} onPage={() => {}} label="Pages" />)
    expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled()
  })

  it('shows nothing when one page holds everything', () => {
    const { container } = render(<Pager page={1} totalPages={1} onPage={() => {}} label="Pages" />)
    expect(container).toBeEmptyDOMElement()
  })

  it('still offers the way back from a page past the end', () => {
    render(<Pager page={4} totalPages={0} onPage={() => {}} label="Pages" />)
    expect(screen.getByRole('button', { name: 'Previous' })).toBeEnabled()
  })
})
