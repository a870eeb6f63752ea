import Mustache

/// HTML that Paperboy built itself: escaped untrusted text (`HTMLText`, `SafeMarkdown`) or a constant written
/// in the source. The only kind of value templates print raw (`{{{…}}}`); a plain `String` in a view is always
/// escaped by Mustache. There is deliberately no initializer from a run-time `String`.
struct SafeHTML: Hashable, Sendable, CustomStringConvertible, MustacheCustomRenderable {
    /// The markup.
    let html: String

    private init(trusted html: String) { self.html = html }

    /// A constant written in the source (a compile-time string, never request or store data).
    init(literal: StaticString) { html = literal.description }

    /// `text`, escaped.
    static func escaping(_ text: String) -> SafeHTML { SafeHTML(trusted: HTMLText.escape(text)) }
    /// `text`, escaped, with http(s) URLs as links (`HTMLText.linkified`).
    static func linkified(_ text: String) -> SafeHTML { SafeHTML(trusted: HTMLText.linkified(text)) }
    /// `text`, escaped, with `ranges` in `<mark>` (`HTMLText.highlighted`).
    static func highlighted(_ text: String, _ ranges: [Range<String.Index>]) -> SafeHTML {
        SafeHTML(trusted: HTMLText.highlighted(text, ranges))
    }
    /// A comment's Markdown subset (`SafeMarkdown.render`).
    static func markdown(_ text: String) -> SafeHTML { SafeHTML(trusted: SafeMarkdown.render(text)) }

    static func + (a: SafeHTML, b: SafeHTML) -> SafeHTML { SafeHTML(trusted: a.html + b.html) }

    var description: String { html }
    var renderText: String { html }
    var isNull: Bool { false }
}
