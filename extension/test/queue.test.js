// The outbox (lib/queue.js) under Node's test runner, with chrome.storage and chrome.alarms
// replaced by in-memory ones whose every call yields to the event loop, as the real ones do:
// that is what lets two read-modify-writes of the stored list interleave.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { setImmediate as tick } from "node:timers/promises";

const chromeFake = {
  stored: {},
  alarms: new Map(),
  storage: {
    local: {
      async get(key) {
        await tick();
        const value = chromeFake.stored[key];
        return value === undefined ? {} : { [key]: structuredClone(value) };
      },
      async set(values) {
        await tick();
        Object.assign(chromeFake.stored, structuredClone(values));
      },
    },
  },
};
chromeFake.alarms.create = async (name, info) => {
  await tick();
  chromeFake.alarms.set(name, info);
};
chromeFake.alarms.clear = async (name) => {
  await tick();
  return chromeFake.alarms.delete(name);
};
globalThis.chrome = chromeFake;

const { enqueue, flush, retryDelay, RETRY_ALARM, waitingCount } = await import("../lib/queue.js");

function item(key) {
  return { key, kind: "capture", payload: { url: `https://example.org/${key}` }, url: key };
}

function keys() {
  return (chromeFake.stored.outbox || []).map((each) => each.key);
}

const noReport = async () => undefined;

beforeEach(() => {
  chromeFake.stored = {};
  chromeFake.alarms.clear(RETRY_ALARM);
});

test("a flush sends every item oldest first, removes them, and clears the alarm", async () => {
  await enqueue(item("a"));
  await enqueue(item("b"));
  await chromeFake.alarms.create(RETRY_ALARM, { when: 1 });
  const sent = [];
  await flush(async (each) => sent.push(each.key), noReport);
  assert.deepEqual(sent, ["a", "b"]);
  assert.equal(await waitingCount(), 0);
  assert.equal(chromeFake.alarms.has(RETRY_ALARM), false);
});

test("a retryable failure keeps the item, counts the attempt and arms the retry", async () => {
  await enqueue(item("a"));
  const before = Date.now();
  await flush(async () => {
    throw Object.assign(new Error("server down"), { retryable: true });
  }, noReport);
  assert.deepEqual(keys(), ["a"]);
  assert.equal(chromeFake.stored.outbox[0].attempts, 1);
  assert.equal(chromeFake.stored.outbox[0].lastError, "server down");
  assert.ok(chromeFake.alarms.get(RETRY_ALARM).when >= before + retryDelay(1));
});

test("a final failure drops the item and goes on with the next", async () => {
  await enqueue(item("bad"));
  await enqueue(item("good"));
  const outcomes = [];
  await flush(async (each) => {
    if (each.key === "bad") {
      throw Object.assign(new Error("400"), { retryable: false });
    }
    return { id: 1 };
  }, async (each, outcome) => outcomes.push([each.key, outcome.ok]));
  assert.deepEqual(outcomes, [["bad", false], ["good", true]]);
  assert.deepEqual(keys(), []);
});

test("race: a capture queued while another is being removed is not lost", async () => {
  await enqueue(item("a"));
  let queuedMeanwhile;
  await flush(async () => {
    // the server has answered: the removal of "a" starts now, and the user saves again
    queuedMeanwhile = enqueue(item("b"));
    return { id: 1 };
  }, noReport);
  await queuedMeanwhile;
  assert.deepEqual(keys(), ["b"]);
});

test("race: many captures queued at once are all kept", async () => {
  await Promise.all(["a", "b", "c", "d", "e"].map((key) => enqueue(item(key))));
  assert.deepEqual(keys().sort(), ["a", "b", "c", "d", "e"]);
});

test("race: a capture queued during a flush is sent by the flush asked for then", async () => {
  await enqueue(item("a"));
  let answerA;
  const sent = [];
  const send = (each) => {
    sent.push(each.key);
    return each.key === "a" ? new Promise((resolve) => (answerA = resolve)) : { id: 2 };
  };
  const first = flush(send, noReport);
  while (!answerA) {
    await tick();
  }
  await enqueue(item("b")); // what archiveTab does: queue, then ask for a flush
  const outcomes = [];
  const second = flush(send, async (each, outcome) => outcomes.push([each.key, outcome.ok]));
  answerA({ id: 1 });
  await Promise.all([first, second]);
  assert.deepEqual(sent, ["a", "b"]);
  assert.deepEqual(outcomes, [["b", true]]); // the second caller hears about its own capture
  assert.deepEqual(keys(), []);
});

test("race: an item queued during a flush keeps the retry alarm armed", async () => {
  await enqueue(item("a"));
  await flush(async () => {
    await enqueue(item("late")); // queued, but no flush asked for (the worker went to sleep)
    return { id: 1 };
  }, noReport);
  assert.deepEqual(keys(), ["late"]);
  assert.ok(chromeFake.alarms.has(RETRY_ALARM), "the alarm must wake the worker to send it");
});
