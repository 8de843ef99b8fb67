// The outbox: every capture is stored here first and removed only when the server has it,
// so nothing is lost while the server is down. Retries back off through chrome.alarms.
// Each item carries its idempotency key, so a capture sent twice is stored once.
//
// Every change to the stored list is a read-modify-write of one storage key, so they all run
// one at a time (`locked`): an item queued while another is being removed is never lost.
// Flushes run one after another too: one asked for while another runs (a capture queued
// meanwhile) gets its own pass after it. While items remain, the retry alarm stays armed.

const QUEUE_KEY = "outbox";
export const RETRY_ALARM = "archiver-retry";
const FIRST_DELAY_MS = 30 * 1000;
const MAX_DELAY_MS = 30 * 60 * 1000;

let writing = Promise.resolve(); // the last change to the stored list, queued or running

/** Run `change` after every change asked for before it (its failure does not stop the next). */
function locked(change) {
  const run = writing.then(change);
  writing = run.catch(() => undefined);
  return run;
}

async function readQueue() {
  const stored = await chrome.storage.local.get(QUEUE_KEY);
  return stored[QUEUE_KEY] || [];
}

async function writeQueue(items) {
  await chrome.storage.local.set({ [QUEUE_KEY]: items });
}

/** item: {key, kind: "capture" | "link", payload, title, url, addedAt} */
export function enqueue(item) {
  return locked(async () => {
    const items = await readQueue();
    items.push({ attempts: 0, ...item });
    await writeQueue(items);
  });
}

export async function waitingCount() {
  return (await readQueue()).length;
}

function removeItem(key) {
  return locked(async () => {
    await writeQueue((await readQueue()).filter((item) => item.key !== key));
  });
}

function noteFailure(key, message) {
  return locked(async () => {
    const items = await readQueue();
    const item = items.find((each) => each.key === key);
    if (item) {
      item.attempts += 1;
      item.lastError = message;
      await writeQueue(items);
    }
    return item ? item.attempts : 1;
  });
}

export function retryDelay(attempts) {
  return Math.min(FIRST_DELAY_MS * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);
}

async function scheduleRetry(attempts) {
  await chrome.alarms.create(RETRY_ALARM, { when: Date.now() + retryDelay(attempts) });
}

let flushing = Promise.resolve(); // the last flush, queued or running

/**
 * Send every waiting item, oldest first. `send(item)` resolves with the server's answer or
 * throws a BackendError; `report(item, outcome)` hears about each one. Stops at the first
 * retryable error (the server is down: the rest would fail too) and schedules a retry.
 * Flushes run one after another, so two events never send the same item at once, and one
 * asked for during another sees what was queued meanwhile.
 */
export function flush(send, report) {
  const run = flushing.then(() => flushOnce(send, report));
  flushing = run.catch(() => undefined);
  return run;
}

async function flushOnce(send, report) {
  for (const item of await readQueue()) {
    try {
      const answer = await send(item);
      await removeItem(item.key);
      await report(item, { ok: true, answer });
    } catch (error) {
      if (error.retryable === false) {
        await removeItem(item.key);
        await report(item, { ok: false, error, final: true });
        continue;
      }
      const attempts = await noteFailure(item.key, error.message);
      await scheduleRetry(attempts);
      await report(item, { ok: false, error, final: false });
      return;
    }
  }
  const left = await readQueue();
  if (left.length) {
    await scheduleRetry(0); // queued during this flush: sent soon, whatever comes next
  } else {
    await chrome.alarms.clear(RETRY_ALARM);
  }
}
