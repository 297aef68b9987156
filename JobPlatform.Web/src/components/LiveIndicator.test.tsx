import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { LiveIndicator } from './LiveIndicator'

describe('LiveIndicator', () => {
  it('says Live while events arrive', () => {
    render(<LiveIndicator status="live" />)

    expect(screen.getByTestId('live-indicator')).toHaveTextContent('Live')
    expect(screen.getByTestId('live-indicator')).toHaveAttribute('title', 'Changes arrive as they happen.')
  })

  it('says Polling, and why, while the stream is down', () => {
    render(<LiveIndicator status="polling" />)

    expect(screen.getByTestId('live-indicator')).toHaveTextContent('Polling')
    expect(screen.getByTestId('live-indicator').title).toContain('every 2 s')
  })
})
