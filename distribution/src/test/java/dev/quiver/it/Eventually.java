package dev.quiver.it;

import java.util.concurrent.TimeUnit;

/**
 * Waiting for a condition instead of sleeping a fixed time: the check is polled every 200 ms until
 * it passes or the bound runs out, and then its last failure is rethrown.
 */
final class Eventually {
  private Eventually() {}

  interface Check {
    void run() throws Exception;
  }

  /** Polls {@code check} every 200 ms for up to {@code seconds}; the last failure is rethrown. */
  static void within(int seconds, Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      try {
        check.run();
        return;
      } catch (AssertionError | Exception e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }
}
