import Foundation
import LexicalIndex
import PaperModel

/// Fielded search in the arXiv API's `search_query` language: `prefix:value` terms (`ti au abs cat all id`), quoted phrases,
/// `AND`, `OR`, `ANDNOT` and parentheses. Operators bind left to right with equal precedence (as arXiv documents
/// them); two terms side by side without an operator mean AND. `au:del_maestro` is the author "del maestro".
public indirect enum FieldedQuery: Equatable, Sendable {
    public enum Field: String, CaseIterable, Sendable {
        case ti, au, abs, cat, all, id
    }

    case term(Field, String, phrase: Bool)
    case and(FieldedQuery, FieldedQuery)
    case or(FieldedQuery, FieldedQuery)
    case andNot(FieldedQuery, FieldedQuery)

    public struct SyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
    }

    public static let maxLength = 2_000

    public static func parse(_ text: String) throws(SyntaxError) -> FieldedQuery? {
        guard text.count <= maxLength else {
            throw SyntaxError(description: "search_query is longer than \(maxLength) characters")
        }
        var parser = Parser(tokens: try tokenize(text))
        guard !parser.tokens.isEmpty else { return nil }
        let query = try parser.expression()
        if parser.position < parser.tokens.count {
            throw SyntaxError(
                description: "unexpected \(parser.tokens[parser.position].text.debugDescription) in search_query")
        }
        return query
    }

    enum Token: Equatable {
        case open, close, and, or, andNot
        case term(Field, String, phrase: Bool)

        var text: String {
            switch self {
            case .open: "("
            case .close: ")"
            case .and: "AND"
            case .or: "OR"
            case .andNot: "ANDNOT"
            case .term(let f, let v, _): "\(f.rawValue):\(v)"
            }
        }
    }

    static func tokenize(_ text: String) throws(SyntaxError) -> [Token] {
        let chars = Array(text)
        var tokens: [Token] = []
        var i = 0
        func isSpace(_ c: Character) -> Bool {
            c.isWhitespace || (c.unicodeScalars.first!.properties.generalCategory == .control)
        }
        while i < chars.count {
            let c = chars[i]
            if isSpace(c) { i += 1; continue }
            if c == "(" { tokens.append(.open); i += 1; continue }
            if c == ")" { tokens.append(.close); i += 1; continue }
            // A bare word, or prefix:value.
            var j = i
            while j < chars.count, !isSpace(chars[j]), chars[j] != "(", chars[j] != ")", chars[j] != ":",
                chars[j] != "\""
            { j += 1 }
            let head = String(chars[i..<j])
            if j == chars.count || chars[j] != ":" {
                switch head {
                case "AND": tokens.append(.and); i = j; continue
                case "OR": tokens.append(.or); i = j; continue
                case "ANDNOT": tokens.append(.andNot); i = j; continue
                default: break
                }
            }
            var field = Field.all
            var start = i
            if j < chars.count, chars[j] == ":" {
                guard let f = Field(rawValue: head.lowercased()) else {
                    throw SyntaxError(
                        description:
                            "unknown field prefix \(head.prefix(20).debugDescription): use ti, au, abs, cat, all or id")
                }
                field = f
                start = j + 1
            }
            guard start < chars.count, !isSpace(chars[start]) else {
                throw SyntaxError(description: "\(field.rawValue): needs a value")
            }
            if chars[start] == "\"" {
                var k = start + 1
                while k < chars.count, chars[k] != "\"" { k += 1 }
                guard k < chars.count else { throw SyntaxError(description: "unbalanced quote in search_query") }
                tokens.append(.term(field, String(chars[(start + 1)..<k]), phrase: true))
                i = k + 1
            } else {
                var k = start
                while k < chars.count, !isSpace(chars[k]), chars[k] != "(", chars[k] != ")", chars[k] != "\"" { k += 1 }
                tokens.append(.term(field, String(chars[start..<k]), phrase: false))
                i = k
            }
        }
        return tokens
    }

    struct Parser {
        let tokens: [Token]
        var position = 0

        mutating func expression() throws(SyntaxError) -> FieldedQuery {
            var left = try primary()
            while position < tokens.count, tokens[position] != .close {
                let op = tokens[position]
                switch op {
                case .and, .or, .andNot:
                    position += 1
                    let right = try primary()
                    left = op == .and ? .and(left, right) : op == .or ? .or(left, right) : .andNot(left, right)
                default:
                    left = .and(left, try primary())
                }
            }
            return left
        }

        mutating func primary() throws(SyntaxError) -> FieldedQuery {
            guard position < tokens.count else {
                throw SyntaxError(description: "search_query ends where a term was expected")
            }
            let token = tokens[position]
            position += 1
            switch token {
            case .open:
                let inner = try expression()
                guard position < tokens.count, tokens[position] == .close else {
                    throw SyntaxError(description: "unbalanced parenthesis in search_query")
                }
                position += 1
                return inner
            case .term(let f, let v, let phrase):
                return .term(f, v, phrase: phrase)
            default:
                throw SyntaxError(description: "\(token.text) where a term was expected in search_query")
            }
        }
    }
}

extension PaperSearchEngine {
    /// Matches considered per query term (boolean combinations work on these sets).
    public static let fieldedTermMatchLimit = 10_000

    /// The papers matching a fielded boolean query, with the summed BM25 scores of the terms that matched (an
    /// `id:` term scores 1). Here is an arXiv-style query, give me its papers.
    public func fieldedMatches(_ query: FieldedQuery) async throws -> [String: Float] {
        switch query {
        case .term(let field, let value, let phrase):
            return try await termMatches(field, value, phrase: phrase)
        case .and(let a, let b):
            let (l, r) = (try await fieldedMatches(a), try await fieldedMatches(b))
            return l.filter { r[$0.key] != nil }.reduce(into: [:]) { $0[$1.key] = $1.value + r[$1.key]! }
        case .or(let a, let b):
            return try await fieldedMatches(a).merging(try await fieldedMatches(b), uniquingKeysWith: +)
        case .andNot(let a, let b):
            let r = try await fieldedMatches(b)
            return try await fieldedMatches(a).filter { r[$0.key] == nil }
        }
    }

    func termMatches(_ field: FieldedQuery.Field, _ value: String, phrase: Bool) async throws -> [String: Float] {
        if field == .id {
            guard let id = PaperIdentifier.canonical(value), try await store.paper(id: id) != nil else { return [:] }
            return [id: 1]
        }
        var text = value.replacingOccurrences(of: "\"", with: " ")
        if field == .au { text = text.replacingOccurrences(of: "_", with: " ") }
        let words = text.split(whereSeparator: \.isWhitespace)
        guard !words.isEmpty else { return [:] }
        let quoted = phrase || words.count > 1 ? "\"\(words.joined(separator: " "))\"" : String(words[0])
        let lexicalQuery: String
        switch field {
        case .ti: lexicalQuery = "ti:" + quoted
        case .abs: lexicalQuery = "abs:" + quoted
        case .au: lexicalQuery = "au:" + quoted
        case .cat: lexicalQuery = "cat:" + quoted
        case .all, .id: lexicalQuery = quoted
        }
        let hits: [LexicalHit]
        do {
            hits = try lexical.search(lexicalQuery, limit: Self.fieldedTermMatchLimit)
        } catch let error as QueryError {
            throw FieldedQuery.SyntaxError(description: "\(field.rawValue):\(value.prefix(40))…: \(error.description)")
        }
        return Dictionary(hits.map { ($0.key, $0.score) }, uniquingKeysWith: +)
    }
}
