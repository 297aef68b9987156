import { queryOptions } from '@tanstack/react-query'
import { getJson } from './api'
import type { components } from './schema'

type Schemas = components['schemas']

// ---- Wire types: generated from the Api's OpenAPI document (npm run gen:api). ----

/** A JSON Schema, as a worker registers its type's input with; only the keywords read here matter. */
export type JsonSchema = { readonly [keyword: string]: unknown }
export type TaskTypeWire = Omit<Schemas['TaskTypeResponse'], 'inputSchema'> & { inputSchema: JsonSchema }

/**
 * The task types and their parameters. Workers add their types as they start and go as they stop
 * (served), so the catalogue is asked for again once it is 30 s old.
 */
export const taskTypesQuery = queryOptions({
  queryKey: ['task-types'] as const,
  queryFn: ({ signal }) => getJson<TaskTypeWire[]>('/api/v1/task-types', signal),
  staleTime: 30_000,
})

export type FieldKind = 'integer' | 'number' | 'string' | 'boolean' | 'integerArray' | 'numberArray' | 'stringArray'
export type FieldValue = string | number | boolean | (string | number)[]

/** A field of the form for one parameter, read from its type's input schema. */
export interface ParameterField {
  name: string
  kind: FieldKind
  required: boolean
  /** The range of the number, or of each number of a list. */
  min: number | null
  max: number | null
  default: FieldValue | null
  /** What the field takes, in words: the Api's text, the range and the default. */
  help: string
}

/**
 * The fields for a type's parameters, from its input schema; null when that schema cannot be shown
 * as fields, so a JSON object is asked for instead.
 */
export function parameterFieldsOf(type: TaskTypeWire): ParameterField[] | null {
  return fieldsFromSchema(type.inputSchema)
}

/** Whether a type takes any JSON object as its input (a handler of JsonObject: {"type": "object"} and no more). */
export function acceptsAnyFields(type: TaskTypeWire): boolean {
  return Object.keys(type.inputSchema).every((keyword) => keyword === 'type' || keyword === 'description') && typeOf(type.inputSchema) === 'object'
}

/**
 * Reads a type's input schema (System.Text.Json's JsonSchemaExporter) into one field per top-level
 * property. Null when any property is not a number, text, yes/no or a list of numbers or texts (an
 * object, a $ref, a union), or when the object lists no properties but allows others (a
 * dictionary): a form that showed only some of the parameters would send jobs the worker cannot
 * read. An object that allows no properties at all has no fields.
 */
export function fieldsFromSchema(schema: JsonSchema): ParameterField[] | null {
  if (typeOf(schema) !== 'object') {
    return null
  }
  if (!isSchema(schema.properties)) {
    return schema.additionalProperties === false ? [] : null
  }
  const required = Array.isArray(schema.required) ? schema.required : []
  const fields = Object.entries(schema.properties).map(([name, property]) => fieldOf(name, property, required.includes(name)))
  return fields.every((field) => field !== null) ? fields : null
}

const isSchema = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The one type a schema allows besides null, or null. A number the serializer also reads from a
 * string comes as ["string", "integer"] with a pattern: it is a number. No type at all ($ref, anyOf,
 * an enum alone) is null too.
 */
function typeOf(schema: unknown): string | null {
  if (!isSchema(schema)) {
    return null
  }
  const types = [schema.type].flat().filter((type) => type !== 'null')
  if (types.length === 2 && types.includes('string')) {
    const number = types.find((type) => type !== 'string')
    return number === 'integer' || number === 'number' ? number : null
  }
  return types.length === 1 && typeof types[0] === 'string' ? types[0] : null
}

function fieldOf(name: string, property: unknown, required: boolean): ParameterField | null {
  const type = typeOf(property)
  if (!isSchema(property) || type === null) {
    return null
  }
  const kind = type === 'array' ? ARRAY_KINDS.find((k) => k === `${typeOf(property.items)}Array`) : SCALAR_KINDS.find((k) => k === type)
  if (kind === undefined) {
    return null
  }
  // A list's range is its items'.
  const bounds = type === 'array' && isSchema(property.items) ? property.items : property
  const field: ParameterField = {
    name,
    kind,
    required,
    min: typeof bounds.minimum === 'number' ? bounds.minimum : null,
    max: typeof bounds.maximum === 'number' ? bounds.maximum : null,
    default: isFieldValue(property.default) ? property.default : null,
    help: typeof property.description === 'string' ? property.description : '',
  }
  return { ...field, help: [describeParameter(field), required ? 'Required.' : ''].filter(Boolean).join(' ') }
}

const SCALAR_KINDS = ['integer', 'number', 'string', 'boolean'] as const satisfies FieldKind[]
const ARRAY_KINDS = ['integerArray', 'numberArray', 'stringArray'] as const satisfies FieldKind[]

const isFieldValue = (value: unknown): value is FieldValue =>
  ['string', 'number', 'boolean'].includes(typeof value) ||
  (Array.isArray(value) && value.every((item) => typeof item === 'string' || typeof item === 'number'))

/** What a parameter's field holds before anyone types: its default, or nothing. */
export function formatParameterValue(value: FieldValue | null): string {
  if (value === null || value === undefined) {
    return ''
  }
  return Array.isArray(value) ? value.join(', ') : String(value)
}

/** The help under a parameter's field: the Api's text, its range and its default. */
export function describeParameter(parameter: Pick<ParameterField, 'kind' | 'min' | 'max' | 'default' | 'help'>): string {
  const fallback = parameter.default === null ? '' : `Defaults to ${formatParameterValue(parameter.default) || 'none'}.`
  return [parameter.help, describeKind(parameter), fallback].filter(Boolean).join(' ')
}

/** What a field takes, in words; a text or a checkbox says so itself. */
function describeKind({ kind, min, max }: Pick<ParameterField, 'kind' | 'min' | 'max'>): string {
  const range =
    min !== null && max !== null ? ` from ${min} to ${max}` : min !== null ? ` of ${min} or more` : max !== null ? ` of ${max} or less` : ''
  switch (kind) {
    case 'integer':
      return `A whole number${range}.`
    case 'number':
      return `A number${range}.`
    case 'integerArray':
      return `Whole numbers${range}, separated by commas.`
    case 'numberArray':
      return `Numbers${range}, separated by commas.`
    case 'stringArray':
      return 'Values separated by commas.'
    default:
      return ''
  }
}

/**
 * Reads a parameter's field: a checkbox's yes or no, or what was typed. Empty means "leave it to
 * the default"; a value that is not a number of the right kind is an error here, while the range
 * is left to the Api, which names it. Text goes as typed, spaces and all.
 */
export function parseParameterValue(
  parameter: Pick<ParameterField, 'name' | 'kind'>,
  input: string | boolean,
): { value: FieldValue | undefined } | { error: string } {
  if (typeof input === 'boolean') {
    return { value: input }
  }
  const trimmed = input.trim()
  if (trimmed === '') {
    return { value: undefined }
  }
  switch (parameter.kind) {
    case 'string':
      return { value: input }
    case 'stringArray':
      return { value: trimmed.split(',').map((item) => item.trim()).filter(Boolean) }
    case 'integerArray':
    case 'numberArray':
      return parseNumbers(parameter, trimmed)
    default:
      return parseNumber(parameter, trimmed)
  }
}

function parseNumbers(parameter: Pick<ParameterField, 'name' | 'kind'>, text: string): { value: number[] } | { error: string } {
  const numbers = text.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean).map(Number)
  if (parameter.kind === 'integerArray' && !numbers.every(Number.isInteger)) {
    return { error: `${parameter.name} must be whole numbers separated by commas, e.g. 1, 2.` }
  }
  if (!numbers.every(Number.isFinite)) {
    return { error: `${parameter.name} must be numbers separated by commas, e.g. 0.5, 2.` }
  }
  return { value: numbers }
}

function parseNumber(parameter: Pick<ParameterField, 'name' | 'kind'>, text: string): { value: number } | { error: string } {
  const number = Number(text)
  if (!Number.isFinite(number)) {
    return { error: `${parameter.name} must be a number.` }
  }
  if (parameter.kind === 'integer' && !Number.isInteger(number)) {
    return { error: `${parameter.name} must be a whole number.` }
  }
  return { value: number }
}
