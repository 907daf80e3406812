package io.github.pager.core;

/**
 * A read-only pager could not register because a compaction ({@link PageFileCompaction}) of the
 * file runs, in this process or another: compaction holds every slot of the reader table until it
 * has cut the file, so that no reader maps pages it takes away. The table is not full of readers;
 * open again once the compaction is done.
 *
 * <p>A {@link ReaderTableFullException}, so that code which waits and retries when no slot is
 * free handles this case too; catch this class first to tell the two apart.
 */
public final class CompactionInProgressException extends ReaderTableFullException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message names the page file, its lock file, and the compaction that holds the table
   */
  public CompactionInProgressException(String message) {
    super(message);
  }
}
