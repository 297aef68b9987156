import type { EventSourceLike } from '../services/events'

/** An EventSource the test drives: open it, send it events, make it fail. */
export class FakeEventSource implements EventSourceLike {
  static instances: FakeEventSource[] = []

  static create = (url: string): FakeEventSource => new FakeEventSource(url)

  static latest(): FakeEventSource {
    const source = FakeEventSource.instances.at(-1)
    if (!source) {
      throw new Error('No EventSource was opened.')
    }
    return source
  }

  static reset() {
    FakeEventSource.instances = []
  }

  readyState = 0
  closed = false
  onopen: ((event: Event) => void) | null = null
  onerror: ((event: Event) => void) | null = null
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>()

  readonly url: string

  constructor(url: string) {
    this.url = url
    FakeEventSource.instances.push(this)
  }

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
  }

  close() {
    this.closed = true
    this.readyState = 2
  }

  open() {
    this.readyState = 1
    this.onopen?.(new Event('open'))
  }

  emit(type: string, data: unknown) {
    this.emitRaw(type, JSON.stringify(data))
  }

  emitRaw(type: string, data: string) {
    for (const listener of this.listeners.get(type) ?? []) {
      listener(new MessageEvent(type, { data }))
    }
  }

  /** connecting: the browser retries by itself; closed: it gave up. */
  fail(state: 'connecting' | 'closed') {
    this.readyState = state === 'closed' ? 2 : 0
    this.onerror?.(new Event('error'))
  }
}
