import { queryOptions } from '@tanstack/react-query'
import { getJson } from './api'
import type { components } from './schema'

type Schemas = components['schemas']

// ---- Wire types: generated from the Api's OpenAPI document (npm run gen:api). ----

export type TaskParameterWire = Omit<Schemas['TaskParameter'], 'default'> & { default: number | number[] | null }
export type TaskTypeWire = Omit<Schemas['TaskTypeDefinition'], 'parameters'> & { parameters: TaskParameterWire[] }

/** The task types and their parameters; they change only with a new Api, so they are asked for once. */
export const taskTypesQuery = queryOptions({
  queryKey: ['task-types'] as const,
  queryFn: ({ signal }) => getJson<TaskTypeWire[]>('/api/v1/task-types', signal),
  staleTime: Infinity,
})

/** What a parameter's field holds before anyone types: its default, or nothing. */
export function formatParameterValue(value: TaskParameterWire['default']): string {
  if (value === null || value === undefined) {
    return ''
  }
  return Array.isArray(value) ? value.join(', ') : String(value)
}

/** The help under a parameter's field: the Api's text, its range and its default. */
export function describeParameter(parameter: TaskParameterWire): string {
  const range =
    parameter.kind === 'integerArray'
      ? `Whole numbers from ${parameter.min} to ${parameter.max}, separated by commas.`
      : `${parameter.kind === 'integer' ? 'A whole number' : 'A number'} from ${parameter.min} to ${parameter.max}.`
  const fallback = parameter.default === null ? '' : ` Defaults to ${formatParameterValue(parameter.default) || 'none'}.`
  return `${parameter.help} ${range}${fallback}`.trim()
}

/**
 * Reads a parameter's field. Empty means "leave it to the Api's default"; a value that is not a
 * number of the right kind is an error here, while the range is left to the Api, which names it.
 */
export function parseParameterValue(
  parameter: Pick<TaskParameterWire, 'name' | 'kind'>,
  text: string,
): { value: number | number[] | undefined } | { error: string } {
  const trimmed = text.trim()
  if (trimmed === '') {
    return { value: undefined }
  }
  if (parameter.kind === 'integerArray') {
    const parts = trimmed.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean)
    const numbers = parts.map(Number)
    if (numbers.some((n) => !Number.isInteger(n))) {
      return { error: `${parameter.name} must be whole numbers separated by commas, e.g. 1, 2.` }
    }
    return { value: numbers }
  }
  const number = Number(trimmed)
  if (!Number.isFinite(number)) {
    return { error: `${parameter.name} must be a number.` }
  }
  if (parameter.kind === 'integer' && !Number.isInteger(number)) {
    return { error: `${parameter.name} must be a whole number.` }
  }
  return { value: number }
}
