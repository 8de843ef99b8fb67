// The outbox: every capture is stored here first and removed only when the server has it,
// so nothing is lost while the server is down. Retries back off through chrome.alarms.
// Each item carries its idempotency key, so a capture sent twice is stored once.

const QUEUE_KEY = "outbox";
export const RETRY_ALARM = "archiver-retry";
const FIRST_DELAY_MS = 30 * 1000;
const MAX_DELAY_MS = 30 * 60 * 1000;

async function readQueue() {
  const stored = await chrome.storage.local.get(QUEUE_KEY);
  return stored[QUEUE_KEY] || [];
}

async function writeQueue(items) {
  await chrome.storage.local.set({ [QUEUE_KEY]: items });
}

/** item: {key, kind: "capture" | "link", payload, title, url, addedAt} */
export async function enqueue(item) {
  const items = await readQueue();
  items.push({ attempts: 0, ...item });
  await writeQueue(items);
}

export async function waitingCount() {
  return (await readQueue()).length;
}

async function removeItem(key) {
  await writeQueue((await readQueue()).filter((item) => item.key !== key));
}

async function noteFailure(key, message) {
  const items = await readQueue();
  const item = items.find((each) => each.key === key);
  if (item) {
    item.attempts += 1;
    item.lastError = message;
    await writeQueue(items);
  }
  return item ? item.attempts : 1;
}

export function retryDelay(attempts) {
  return Math.min(FIRST_DELAY_MS * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);
}

async function scheduleRetry(attempts) {
  await chrome.alarms.create(RETRY_ALARM, { when: Date.now() + retryDelay(attempts) });
}

let running = null; // an in-flight flush, so two events never send the same item at once

/**
 * Send every waiting item, oldest first. `send(item)` resolves with the server's answer or
 * throws a BackendError; `report(item, outcome)` hears about each one. Stops at the first
 * retryable error (the server is down: the rest would fail too) and schedules a retry.
 */
export function flush(send, report) {
  if (!running) {
    running = flushOnce(send, report).finally(() => {
      running = null;
    });
  }
  return running;
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
  await chrome.alarms.clear(RETRY_ALARM);
}
