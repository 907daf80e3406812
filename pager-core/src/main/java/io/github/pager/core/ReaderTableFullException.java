package io.github.pager.core;

/**
 * A read-only pager could not register: every slot of the page file's reader table is held by a
 * live reader, in this process or others. Each open read-only pager on a real file holds one slot
 * until it is closed; close some (a growing number of open readers is often a leak), then open
 * again.
 */
public final class ReaderTableFullException extends PageFileException {
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
