package io.github.pager.core;

/**
 * A repair ({@link PageFileRepair}) that would not be safe or would change nothing the caller
 * asked for: a rollback whose alternate copy is damaged, whose tree or structures fail their
 * checks, or whose pages the newer commit may have let a later commit rewrite. Nothing was written.
 */
public final class RepairRefusedException extends PageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message names the file and why the repair was refused
   */
  public RepairRefusedException(String message) {
    super(message);
  }
}
