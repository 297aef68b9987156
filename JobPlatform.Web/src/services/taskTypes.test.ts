import { describe, expect, it } from 'vitest'
import { TASK_TYPES } from '../test/factories'
import {
  acceptsAnyFields,
  describeParameter,
  fieldsFromSchema,
  formatParameterValue,
  parameterFieldsOf,
  parseParameterValue,
  type JsonSchema,
  type ParameterField,
  } from './taskTypes'

const ms: Omit<ParameterField, 'required'> = { name: 'ms', kind: 'integer', min: 0, max: 600_000, default: 100, help: 'How long each task sleeps, in milliseconds.' }
const probability: Omit<ParameterField, 'required'> = { name: 'probability', kind: 'number', min: 0, max: 1, default: 0.5, help: 'Chance that an attempt fails.' }
const failOnAttempts: Omit<ParameterField, 'required'> = { name: 'failOnAttempts', kind: 'integerArray', min: 1, max: 25, default: null, help: 'Attempts that fail.' }

// As the digest worker registers it: rounds is a number the serializer also reads from a string.
const digest: JsonSchema = JSON.parse(
  String.raw`{"type":"object","properties":{"text":{"description":"The text to digest.","type":"string"},"rounds":{"description":"How many times SHA-256 is applied, each round to the previous digest.","type":["string","integer"],"pattern":"^-?(?:0|[1-9]\\d*)$","default":1,"minimum":1,"maximum":1000}},"required":["text"],"additionalProperties":false}`,
)
const objectOf = (properties: Record<string, unknown>, required: string[] = []): JsonSchema => ({ type: 'object', properties, required })

describe('fieldsFromSchema', () => {
  it('reads each property into a field, with its kind, range, default and help', () => {
    expect(fieldsFromSchema(digest)).toEqual([
      { name: 'text', kind: 'string', required: true, min: null, max: null, default: null, help: 'The text to digest. Required.' },
      {
        name: 'rounds',
        kind: 'integer',
        required: false,
        min: 1,
        max: 1000,
        default: 1,
        help: 'How many times SHA-256 is applied, each round to the previous digest. A whole number from 1 to 1000. Defaults to 1.',
      },
    ])
  })

  it('reads lists of numbers and texts, with the range of their items', () => {
    const schema = objectOf({
      skip: { type: ['array', 'null'], items: { type: ['string', 'integer'], pattern: '^-?(?:0|[1-9]\\d*)$', minimum: 1 } },
      weights: { type: 'array', items: { type: 'number', maximum: 1 }, default: [0.5] },
      tags: { description: 'Labels.', type: 'array', items: { type: 'string' } },
    })

    expect(fieldsFromSchema(schema)).toEqual([
      { name: 'skip', kind: 'integerArray', required: false, min: 1, max: null, default: null, help: 'Whole numbers of 1 or more, separated by commas.' },
      { name: 'weights', kind: 'numberArray', required: false, min: null, max: 1, default: [0.5], help: 'Numbers of 1 or less, separated by commas. Defaults to 0.5.' },
      { name: 'tags', kind: 'stringArray', required: false, min: null, max: null, default: null, help: 'Labels. Values separated by commas.' },
    ])
  })

  it('reads a nullable property as its type', () => {
    const schema = objectOf({
      label: { type: ['string', 'null'] },
      ratio: { type: ['string', 'number', 'null'], pattern: '^-?\\d+$' },
      verbose: { type: ['boolean', 'null'], default: false },
    })

    expect(fieldsFromSchema(schema)?.map(({ name, kind, default: value }) => ({ name, kind, value }))).toEqual([
      { name: 'label', kind: 'string', value: null },
      { name: 'ratio', kind: 'number', value: null },
      { name: 'verbose', kind: 'boolean', value: false },
    ])
  })

  it('gives up on the whole type when one property cannot be a field', () => {
    const text = { type: 'string' }
    expect(fieldsFromSchema(objectOf({ text, size: { type: ['object', 'null'], properties: { width: { type: 'integer' } } } }))).toBeNull()
    expect(fieldsFromSchema(objectOf({ text, next: { $ref: '#' } }))).toBeNull()
    expect(fieldsFromSchema(objectOf({ text, either: { type: ['string', 'boolean'] } }))).toBeNull()
    expect(fieldsFromSchema(objectOf({ text, points: { type: 'array', items: { type: 'object' } } }))).toBeNull()
  })

  it('gives up on an object without properties, such as a dictionary, and gives none for one that allows none', () => {
    expect(fieldsFromSchema({ type: 'object', additionalProperties: false })).toEqual([])
    expect(fieldsFromSchema({ type: 'object' })).toBeNull()
    expect(fieldsFromSchema({ type: 'object', additionalProperties: { type: 'integer' } })).toBeNull()
    expect(fieldsFromSchema({ type: 'string' })).toBeNull()
  })
})

describe('parameterFieldsOf', () => {
  const named = (name: string) => TASK_TYPES.find((t) => t.name === name)!

  it('reads each type\'s input schema: a field per property, optional and described', () => {
    expect(parameterFieldsOf(named('sleep'))).toEqual([
      { name: 'ms', kind: 'integer', required: false, min: 0, max: 600_000, default: 100, help: describeParameter(ms) },
    ])
    expect(named('digest').inputSchema).toEqual(digest)
    expect(parameterFieldsOf(named('digest'))).toEqual(fieldsFromSchema(digest))
  })

  it('has no fields for a type that takes none, and none it can show for any object or an object property', () => {
    expect(parameterFieldsOf(named('noop'))).toEqual([])
    expect(parameterFieldsOf(named('echo'))).toBeNull()
    expect(parameterFieldsOf(named('thumbnail'))).toBeNull()
  })

  it('says which types take any JSON object', () => {
    expect(TASK_TYPES.filter(acceptsAnyFields).map((t) => t.name)).toEqual(['echo'])
  })
})

describe('formatParameterValue', () => {
  it('writes numbers as they are, arrays with commas, and nothing for no default', () => {
    expect(formatParameterValue(100)).toBe('100')
    expect(formatParameterValue([1, 2])).toBe('1, 2')
    expect(formatParameterValue(null)).toBe('')
  })
})

describe('describeParameter', () => {
  it("gives the Api's help, the range and the default", () => {
    expect(describeParameter(ms)).toBe('How long each task sleeps, in milliseconds. A whole number from 0 to 600000. Defaults to 100.')
    expect(describeParameter(failOnAttempts)).toBe('Attempts that fail. Whole numbers from 1 to 25, separated by commas.')
  })
})

describe('parseParameterValue', () => {
  it('leaves an empty field to the Api default', () => {
    expect(parseParameterValue(ms, '  ')).toEqual({ value: undefined })
  })

  it('reads whole numbers, numbers and lists of whole numbers', () => {
    expect(parseParameterValue(ms, '250')).toEqual({ value: 250 })
    expect(parseParameterValue(probability, '0.25')).toEqual({ value: 0.25 })
    expect(parseParameterValue(failOnAttempts, '1, 2 3')).toEqual({ value: [1, 2, 3] })
    expect(parseParameterValue(failOnAttempts, '[1,2]')).toEqual({ value: [1, 2] })
  })

  it('reads text as typed, lists of numbers and texts, and a checkbox', () => {
    expect(parseParameterValue({ name: 'text', kind: 'string' }, ' two words ')).toEqual({ value: ' two words ' })
    expect(parseParameterValue({ name: 'tags', kind: 'stringArray' }, 'red, green ,')).toEqual({ value: ['red', 'green'] })
    expect(parseParameterValue({ name: 'weights', kind: 'numberArray' }, '0.5, 2')).toEqual({ value: [0.5, 2] })
    expect(parseParameterValue({ name: 'verbose', kind: 'boolean' }, false)).toEqual({ value: false })
  })

  it('names the parameter when the value is not of its kind', () => {
    expect(parseParameterValue(ms, '1.5')).toEqual({ error: 'ms must be a whole number.' })
    expect(parseParameterValue(probability, 'half')).toEqual({ error: 'probability must be a number.' })
    expect(parseParameterValue(failOnAttempts, '1, two')).toEqual({ error: 'failOnAttempts must be whole numbers separated by commas, e.g. 1, 2.' })
    expect(parseParameterValue({ name: 'weights', kind: 'numberArray' }, '0.5, half')).toEqual({ error: 'weights must be numbers separated by commas, e.g. 0.5, 2.' })
  })
})
