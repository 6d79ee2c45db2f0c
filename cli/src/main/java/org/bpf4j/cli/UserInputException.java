package org.bpf4j.cli;

/** Input the user must fix; the command prints the message on one line and exits with status 2. */
final class UserInputException extends RuntimeException {
    UserInputException(String message) {
        super(message);
    }
}
