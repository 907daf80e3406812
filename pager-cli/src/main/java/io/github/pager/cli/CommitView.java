package io.github.pager.cli;

import io.github.pager.core.PageFileException;
import io.github.pager.core.PageFileInspection;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Snapshot;
import io.github.pager.core.StaleViewException;
import io.github.pager.core.storage.FileStorage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A page file opened for reading as one commit, whether or not a writer in another process holds
 * it: a read-only pager, a snapshot of its commit, and an inspection of the superblock and both
 * metadata copies that describes the same commit.
 *
 * <p>Why the inspection is taken twice: it reads the metadata pages with plain reads, the pager
 * maps them, and a writer may commit in between. An inspection taken before the open and one taken
 * after it that agree on both copies show that no commit (and no record half written) came
 * between them, so the inspection describes the commit the pager opened; otherwise all three are
 * read again. A file no writer holds agrees at once.
 *
 * <p>A read-only pager reads its commit until it is closed, but a writer in another process does
 * not yet know of it (issue 10's reader table will tell it): two commits later it may reuse pages
 * of that commit. A command that finds something wrong in what it read therefore asks {@link
 * #requireCurrent} before it reports damage, and a read that failed for that reason reports
 * {@link StaleViewException} ({@link ExitCode#STALE}).
 */
final class CommitView implements AutoCloseable {
  /** How often the open is tried while a writer keeps committing between its reads. */
  private static final int ATTEMPTS = 200;

  private static final PagerOptions READ_ONLY = PagerOptions.defaults().withReadOnly(true);

  private final Pager pager;
  private final Snapshot snapshot;
  private final PageFileInspection inspection;
  private final boolean writerLive;

  private CommitView(Pager pager, Snapshot snapshot, PageFileInspection inspection, boolean writerLive) {
    this.pager = pager;
    this.snapshot = snapshot;
    this.inspection = inspection;
    this.writerLive = writerLive;
  }

  /**
   * Opens the file read-only and takes a snapshot of its newest commit.
   *
   * @param file the page file
   * @return the view; close it
   * @throws StaleViewException when a writer kept committing between the reads, every attempt
   * @throws IOException when the file is missing, not a page file, or does not open
   */
  static CommitView open(Path file) throws IOException {
    boolean writerLive = FileStorage.isLockedForWriting(file);
    for (int attempt = 1; ; attempt++) {
      PageFileInspection before = PageFileInspection.inspect(file);
      Pager pager = Pager.open(file, READ_ONLY);
      try {
        PageFileInspection after = PageFileInspection.inspect(file);
        if (agree(before, after)) {
          return new CommitView(pager, pager.snapshot(), after, writerLive);
        }
      } catch (IOException | RuntimeException e) {
        closeQuietly(pager, e);
        throw e;
      }
      pager.close();
      if (attempt == ATTEMPTS) {
        throw new StaleViewException(
            file + ": a writer committed between every pair of reads of its metadata in " + ATTEMPTS + " attempts");
      }
    }
  }

  /**
   * Whether no commit came between two inspections: each commit raises the generation of one
   * copy, so two equal readings of both copies have nothing between them, and the pager, opened
   * between them, chose from what they show.
   */
  private static boolean agree(PageFileInspection before, PageFileInspection after) {
    return before.copy(1).equals(after.copy(1)) && before.copy(2).equals(after.copy(2));
  }

  private static void closeQuietly(Pager pager, Throwable failure) {
    try {
      pager.close();
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /** The read-only pager; its reads show the snapshot's commit. */
  Pager pager() {
    return pager;
  }

  /** The snapshot of the commit the pager opened. */
  Snapshot snapshot() {
    return snapshot;
  }

  /** The superblock and metadata copies as they were when the pager opened. */
  PageFileInspection inspection() {
    return inspection;
  }

  /** Whether a writer held the file when it was opened. */
  boolean writerLive() {
    return writerLive;
  }

  /**
   * Throws {@link StaleViewException} when a writer has gone two commits past the snapshot, so
   * that what failed a check may be a page the writer reused rather than damage.
   *
   * @param what what was being read, for the message
   */
  void requireCurrent(String what) throws StaleViewException {
    pager.requireCurrentView(what);
  }

  /** A read of the view's commit. */
  @FunctionalInterface
  interface Read<T> {
    T run() throws IOException;
  }

  /**
   * Runs a read of the commit. A page that fails its checks meanwhile is reported as damage (the
   * read's exception) only once {@link #requireCurrent} shows that no writer can have reused it;
   * otherwise the read ends with {@link StaleViewException}.
   *
   * @param what what is read, for the message
   */
  <T> T read(String what, Read<T> read) throws IOException {
    try {
      return read.run();
    } catch (StaleViewException stale) {
      throw stale;
    } catch (PageFileException damaged) {
      requireCurrent(what);
      throw damaged;
    }
  }

  @Override
  public void close() throws IOException {
    snapshot.close();
    pager.close();
  }
}
