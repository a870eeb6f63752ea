/// Failures of the index itself (as opposed to `QueryError`, which is the user's).
public enum LexicalIndexError: Error, Sendable, Equatable {
    case corrupt(String)
    case io(String)
}
