package dev.quiver.storage.internal.space;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * Lowers the kernel scheduling priority of the calling platform thread, so background work (graph
 * building) takes the cores that requests leave and yields them when requests want them. Java's own
 * {@link Thread#setPriority} changes nothing on Linux unless the JVM runs with {@code
 * -XX:ThreadPriorityPolicy=1}, so this calls the C library: on Linux {@code setpriority(2)} with
 * {@code PRIO_PROCESS} and a thread id sets the nice value of that one thread, and any process may
 * raise its threads' nice values (lower their priority) without privileges. Elsewhere, or where the
 * C library lacks the calls, it does nothing. Thread-safe.
 *
 * <p>The kernel's fair scheduler weighs a thread of nice {@code n} at about 1.25<sup>-n</sup> of a
 * normal one: at nice 10 a builder competing with a request thread gets about a tenth of a core,
 * and all of it when no request runs. A build still advances while requests saturate the node, only
 * slowly; points not yet in the graph are found by the exact scan of the unindexed tail meanwhile.
 */
final class BackgroundPriority {
  /** The nice value of a background thread: requests outweigh it about ten to one. */
  static final int NICE = 10;

  private static final int PRIO_PROCESS = 0;

  /** The C library's calls this needs. */
  private record Calls(MethodHandle setPriority, MethodHandle getTid, MethodHandle getPriority) {}

  /** The calls, when the C library has all of them. */
  private static final Optional<Calls> CALLS = lookup();

  private BackgroundPriority() {}

  /**
   * Gives the calling thread the background nice value.
   *
   * @return whether the kernel took it (false where the calls are missing or refused)
   */
  static boolean lowerCurrentThread() {
    if (CALLS.isEmpty() || Thread.currentThread().isVirtual()) {
      return false;
    }
    Calls calls = CALLS.get();
    try {
      int tid = (int) calls.getTid().invokeExact();
      return (int) calls.setPriority().invokeExact(PRIO_PROCESS, tid, NICE) == 0;
    } catch (Throwable e) {
      return false;
    }
  }

  /**
   * The calling thread's nice value as the kernel reports it, or empty where it cannot be read (for
   * tests).
   */
  static Optional<Integer> currentNice() {
    if (CALLS.isEmpty()) {
      return Optional.empty();
    }
    try {
      Calls calls = CALLS.get();
      int tid = (int) calls.getTid().invokeExact();
      int nice = (int) calls.getPriority().invokeExact(PRIO_PROCESS, tid);
      return Optional.of(nice);
    } catch (Throwable e) {
      return Optional.empty();
    }
  }

  private static Optional<Calls> lookup() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      return Optional.empty();
    }
    try {
      Linker linker = Linker.nativeLinker();
      SymbolLookup libc = linker.defaultLookup();
      var set = libc.find("setpriority");
      var tid = libc.find("gettid");
      var get = libc.find("getpriority");
      if (set.isEmpty() || tid.isEmpty() || get.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          new Calls(
              linker.downcallHandle(
                  set.get(),
                  FunctionDescriptor.of(
                      ValueLayout.JAVA_INT,
                      ValueLayout.JAVA_INT,
                      ValueLayout.JAVA_INT,
                      ValueLayout.JAVA_INT)),
              linker.downcallHandle(tid.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT)),
              linker.downcallHandle(
                  get.get(),
                  FunctionDescriptor.of(
                      ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT))));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
