export const navigatedEvent = 'dashboard:navigated';

// Moves to another page of the dashboard without reloading it.
export function navigate(url) {
  history.pushState(null, '', url);
  window.dispatchEvent(new Event(navigatedEvent));
}
