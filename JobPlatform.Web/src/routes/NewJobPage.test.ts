import { describe, expect, it } from 'vitest'
import { ApiError, ValidationError } from '../services/api'
import { toFieldErrors } from './NewJobPage'

describe('toFieldErrors', () => {
  it('puts each validation message next to its field, and unknown fields above the form', () => {
    const error = new ValidationError({
      title: 'The job is not valid.',
      errors: { taskCount: ['taskCount must be from 1 to 100,000; it was 0.'], 'parameters.ms': ['ms must be a number.'], body: ['Broken.'] },
    })

    expect(toFieldErrors(error, ['ms'])).toEqual({
      taskCount: 'taskCount must be from 1 to 100,000; it was 0.',
      'parameters.ms': 'ms must be a number.',
      '': 'Broken.',
    })
  })

  it('shows any other problem above the form', () => {
    expect(toFieldErrors(new ApiError({ title: 'The Api could not be reached.', detail: 'refused' }), [])).toEqual({
      '': 'The Api could not be reached. refused',
    })
  })
})
