/** The emulator's timing for the client's tests: every phase in milliseconds, so each flow runs in a blink. */
export const FAST = { statusIntervalMs: 5, prebufferMs: 40, loadDelayMs: 5, bufferingAfterMs: 20, bufferingMs: 20, livePosIntervalMs: 10 };
