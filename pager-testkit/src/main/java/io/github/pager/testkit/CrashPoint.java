package io.github.pager.testkit;

import org.jspecify.annotations.Nullable;

/**
 * Where a crash was simulated: just before or just after one storage call, or after the
 * workload ended.
 *
 * <p>Points are numbered in the order of one run: the point before call {@code i} is {@code
 * 2i}, the one after it {@code 2i + 1}, and the point after the workload ends comes last. The
 * numbering depends only on the workload and the seed, so a point can be replayed by number.
 *
 * @param number the point's number
 * @param call the storage call, or null for the point after the workload ended
 * @param afterCall true when the crash comes just after the call returned (or threw)
 */
public record CrashPoint(long number, @Nullable StorageCall call, boolean afterCall) {

  static CrashPoint before(StorageCall call) {
    return new CrashPoint(2 * call.index(), call, false);
  }

  static CrashPoint after(StorageCall call) {
    return new CrashPoint(2 * call.index() + 1, call, true);
  }

  static CrashPoint end(long calls) {
    return new CrashPoint(2 * calls, null, true);
  }

  @Override
  public String toString() {
    if (call == null) {
      return "point " + number + " (after the workload ended)";
    }
    return "point " + number + " (" + (afterCall ? "just after " : "just before ") + call + ")";
  }
}
