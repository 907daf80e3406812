package io.github.pager.core;

/**
 * A read-only pager could not register: no slot of the page file's reader table was free. Each
 * open read-only pager on a real file holds one slot until it is closed, in this process or
 * others; close some (a growing number of open readers is often a leak), then open again. While a
 * compaction holds every slot, the subclass {@link CompactionInProgressException} says so instead.
 */
public class ReaderTableFullException extends PageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message the page file, its lock file and the number of slots
   */
  public ReaderTableFullException(String message) {
    super(message);
  }
}
