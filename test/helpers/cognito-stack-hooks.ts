import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type CognitoStack, startCognitoStack } from '../../harness/cognito-stack.js';

/**
 * Starts cognito-local behind the counting proxy once for the file, hands it to `started`, stops it after the
 * file, and clears the proxy's counts and faults before each test.
 */
export function useCognitoStack(started: (stack: CognitoStack) => void): void {
  let stack: CognitoStack | undefined;
  beforeAll(async () => {
    stack = await startCognitoStack();
    started(stack);
  });
  afterAll(() => stack?.stop());
  beforeEach(() => {
    stack?.proxy.resetCounts();
    stack?.proxy.setFaults([]);
  });
}
