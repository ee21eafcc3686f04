package org.stargzstore.daemon.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine;

/**
 * Turns exceptions into one clear line on stderr. Expected failures (bad input, I/O, a user's
 * wrong argument) exit 1 without a stack trace; a usage error exits 2 with the usage hint; only a
 * bug (an unexpected runtime exception) prints its stack trace.
 */
final class CliErrorHandler
    implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {

  static final int EXIT_FAILURE = 1;
  static final int EXIT_USAGE = 2;

  @Override
  public int handleExecutionException(Exception ex, CommandLine cl,
      CommandLine.ParseResult parseResult) {
    PrintWriter err = cl.getErr();
    Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
    if (t instanceof UsageException) {
      err.println("error: " + t.getMessage());
      err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
      return EXIT_USAGE;
    }
    if (isExpected(t)) {
      err.println("error: " + message(t));
      err.flush();
      return EXIT_FAILURE;
    }
    err.println("internal error (please report): " + t);
    t.printStackTrace(err);
    return EXIT_FAILURE;
  }

  @Override
  public int handleParseException(CommandLine.ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println("error: " + ex.getMessage());
    err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
    return EXIT_USAGE;
  }

  private static boolean isExpected(Throwable t) {
    return t instanceof IOException || t instanceof IllegalArgumentException
        || t instanceof UserException;
  }

  static String message(Throwable t) {
    if (t instanceof NoSuchFileException e) {
      return "no such file: " + e.getFile();
    }
    if (t instanceof AccessDeniedException e) {
      return "permission denied: " + e.getFile();
    }
    if (t instanceof FileAlreadyExistsException e) {
      return e.getFile() + " already exists (and is not a directory where one is needed)";
    }
    if (t instanceof NotDirectoryException e) {
      return "not a directory: " + e.getFile();
    }
    if (t instanceof FileSystemException e && e.getMessage() != null
        && e.getMessage().equals(e.getFile())) {
      return e.getFile() + ": " + e.getClass().getSimpleName();
    }
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }
}
