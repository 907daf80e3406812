package io.github.pager.cli;

import io.github.pager.core.CorruptPageFileException;
import io.github.pager.core.NotAPageFileException;
import io.github.pager.core.PageFileLockedException;
import io.github.pager.core.RepairRefusedException;
import io.github.pager.core.StaleViewException;
import io.github.pager.core.UnsupportedFormatVersionException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/**
 * Turns what went wrong into an exit code and one line for a person: bad input never shows a
 * stack trace.
 */
final class Failures {
  private Failures() {}

  static int exitCode(Throwable failure) {
    return switch (failure) {
      case NoSuchFileException e -> ExitCode.NOT_FOUND;
      case NotAPageFileException e -> ExitCode.NOT_A_PAGE_FILE;
      case UnsupportedFormatVersionException e -> ExitCode.NOT_A_PAGE_FILE;
      case CorruptPageFileException e -> ExitCode.CORRUPT;
      case PageFileLockedException e -> ExitCode.LOCKED;
      case RepairRefusedException e -> ExitCode.PROBLEMS;
      case StaleViewException e -> ExitCode.STALE;
      case FileAlreadyExistsException e -> ExitCode.EXISTS;
      case IOException e -> ExitCode.IO_ERROR;
      default -> ExitCode.PROBLEMS;
    };
  }

  /** The core's advice is for a program ("reopen"); a person runs the command again. */
  private static String stale(StaleViewException e) {
    String message = String.valueOf(e.getMessage());
    String advice = "; reopen to read the newest commit";
    return (message.endsWith(advice) ? message.substring(0, message.length() - advice.length()) : message)
        + "; run the command again to read the newest commit";
  }

  static String message(Throwable failure) {
    return switch (failure) {
      case NoSuchFileException e -> "no such file: " + e.getFile();
      case AccessDeniedException e -> "permission denied: " + e.getFile();
      case StaleViewException e -> stale(e);
      default -> {
        String message = failure.getMessage();
        yield message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
      }
    };
  }
}
