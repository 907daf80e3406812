package io.github.pager.core;

/**
 * A read-only pager's view has been overtaken: it reads the commit it opened at, and a writer in
 * another pager or process has since committed twice more, so the pages that commit reached may
 * have been handed out again and rewritten. What failed a check was therefore not damage but a
 * page the writer reused. Reopen the pager (or take a new view) to read the newest commit.
 *
 * <p>Thrown instead of a corruption exception only when the file has really moved on: a check
 * that fails while the view is still current is reported as corruption.
 */
public final class StaleViewException extends PageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was read, the generation the view holds and the one the file has reached
   */
  public StaleViewException(String message) {
    super(message);
  }
}
