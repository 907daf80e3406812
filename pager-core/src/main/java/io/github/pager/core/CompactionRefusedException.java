package io.github.pager.core;

/**
 * A compaction ({@link PageFileCompaction}) refused to start: a reader registered in the file's
 * reader table (in this process or another) reads it, and cutting the file would take pages from
 * under its mapping. Nothing was written.
 */
public final class CompactionRefusedException extends PageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message names the file and why compaction was refused
   */
  public CompactionRefusedException(String message) {
    super(message);
  }
}
