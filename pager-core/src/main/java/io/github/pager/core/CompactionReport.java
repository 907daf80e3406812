package io.github.pager.core;

import java.util.List;
import java.util.Map;

/**
 * What a {@link PageFileCompaction} did: the file's length and page count before and after, the
 * pages it moved and for whom, the commits it used, and the page the file now ends at, with what
 * keeps it there.
 *
 * @param file the file, as its storage names it
 * @param pageSize the page size
 * @param pageCountBefore the page count of the commit compaction started from
 * @param pageCountAfter the page count of the last commit; at most {@code pageCountBefore}
 * @param bytesBefore the file's length before, in bytes (growth extends files ahead of their page
 *     count, so it may exceed {@code pageCountBefore} pages)
 * @param bytesAfter the file's length after, in bytes: {@code pageCountAfter} pages when it was
 *     cut, else as before
 * @param moved how many pages moved nearer the start, by owner, in the order they moved: {@code
 *     "free-space tree nodes"} for the pager's own, then each relocator's description
 * @param commits how many commits compaction made
 * @param lastPage the highest page in use after compaction; the file ends after it
 * @param lastPageOwner who owns {@code lastPage}, for a person: a user page (or a page of a layer
 *     no relocator covered), one of the pager's own, or a relocator's description
 * @param notes what compaction could not do, one sentence each; empty when it did all it set out to
 */
public record CompactionReport(
    String file,
    int pageSize,
    long pageCountBefore,
    long pageCountAfter,
    long bytesBefore,
    long bytesAfter,
    Map<String, Long> moved,
    int commits,
    long lastPage,
    String lastPageOwner,
    List<String> notes) {

  /** What {@link #lastPageOwner()} says of a page that no relocator claims and the pager does not own. */
  public static final String USER_PAGE = "a user page (or a page of a layer compaction was given no relocator for)";

  /** What {@link #lastPageOwner()} says of the pager's own pages. */
  public static final String OWN_PAGE = "the pager's own (a free-space tree node or a pending list page)";

  /** Keeps unmodifiable copies of the map and the list. */
  public CompactionReport {
    moved = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(moved));
    notes = List.copyOf(notes);
  }

  /**
   * Returns how many pages moved, all owners together.
   *
   * @return the count
   */
  public long pagesMoved() {
    return moved.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Tells whether the file was cut: it is shorter than before.
   *
   * @return true when {@link #bytesAfter()} is below {@link #bytesBefore()}
   */
  public boolean truncated() {
    return bytesAfter < bytesBefore;
  }
}
