import { it } from '@jest/globals';

/** A test of a contract suite: a title and an asynchronous body. */
export type TimedTest = (title: string, body: () => Promise<unknown>) => void;

/**
 * Jest's `it`, giving each test `timeoutMs` rather than the caller's default:
 * the suites wait on real clocks and real backends, whatever the host's
 * Jest configuration says.
 */
export function timedTest(timeoutMs: number): TimedTest {
  return (title, body) => it(title, body, timeoutMs);
}
