package io.github.pager.testkit;

/**
 * One call a pager made into a {@link SimulatedStorage}: the unit the crash explorer crashes
 * around.
 *
 * <p>Only calls that reach the storage can be intercepted: stores into a mapped segment are plain
 * memory writes, which is why the simulation models writeback per dirty OS page instead.
 *
 * @param index the call's position among every intercepted call of the run, from 0
 * @param kind what was called
 * @param offset the call's byte offset (0 when the kind takes none)
 * @param length the call's byte length, or the new size for {@link Kind#EXTEND} and {@link
 *     Kind#TRUNCATE}
 */
public record StorageCall(long index, Kind kind, long offset, long length) {

  /** The storage methods the simulation intercepts. */
  public enum Kind {
    /** {@code sync(offset, length)}. */
    SYNC,
    /** {@code syncAll()}. */
    SYNC_ALL,
    /** {@code extend(newSize)}. */
    EXTEND,
    /** {@code reserve(offset, length)}. */
    RESERVE,
    /** {@code map(offset, length)}. */
    MAP,
    /** {@code truncate(newSize)}. */
    TRUNCATE
  }

  @Override
  public String toString() {
    return switch (kind) {
      case SYNC -> "#" + index + " sync(" + offset + ", " + length + ")";
      case SYNC_ALL -> "#" + index + " syncAll()";
      case EXTEND -> "#" + index + " extend(" + length + ")";
      case RESERVE -> "#" + index + " reserve(" + offset + ", " + length + ")";
      case MAP -> "#" + index + " map(" + offset + ", " + length + ")";
      case TRUNCATE -> "#" + index + " truncate(" + length + ")";
    };
  }
}
