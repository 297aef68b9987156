import { describe, expect, it } from 'vitest'
import { describeParameter, formatParameterValue, parseParameterValue, type TaskParameterWire } from './taskTypes'

const ms: TaskParameterWire = { name: 'ms', kind: 'integer', min: 0, max: 600_000, default: 100, help: 'How long each task sleeps, in milliseconds.' }
const probability: TaskParameterWire = { name: 'probability', kind: 'number', min: 0, max: 1, default: 0.5, help: 'Chance that an attempt fails.' }
const failOnAttempts: TaskParameterWire = { name: 'failOnAttempts', kind: 'integerArray', min: 1, max: 25, default: null, help: 'Attempts that fail.' }

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

  it('names the parameter when the value is not of its kind', () => {
    expect(parseParameterValue(ms, '1.5')).toEqual({ error: 'ms must be a whole number.' })
    expect(parseParameterValue(probability, 'half')).toEqual({ error: 'probability must be a number.' })
    expect(parseParameterValue(failOnAttempts, '1, two')).toEqual({ error: 'failOnAttempts must be whole numbers separated by commas, e.g. 1, 2.' })
  })
})
