import Foundation
import Hummingbird
import Mustache
import PaperModel
import PaperServices
import PaperStore

/// RSS 2.0, Atom and JSON Feed documents of a list of papers, written the same way for every feed.
enum Syndication {
    enum Format: String, CaseIterable {
        case rss, atom, json

        var contentType: String {
            switch self {
            case .rss: "application/rss+xml; charset=utf-8"
            case .atom: "application/atom+xml; charset=utf-8"
            case .json: "application/feed+json; charset=utf-8"
            }
        }

        var label: String {
            switch self {
            case .rss: "RSS"
            case .atom: "Atom"
            case .json: "JSON Feed"
            }
        }
    }

    /// `name.format` from the last path component.
    static func split(_ file: String) throws -> (String, Format) {
        guard let dot = file.lastIndex(of: "."), let format = Format(rawValue: String(file[file.index(after: dot)...]))
        else {
            throw WebError(.notFound, "Feeds end in .rss, .atom or .json")
        }
        return (String(file[..<dot]), format)
    }

    /// The `<link rel="alternate">` entries for a page whose feed lives at `path` (without extension).
    struct Item {
        var paper: Paper
        var date: Date
        var upvotes: Int
        var codeURL: String?
        /// Why it is in a personal feed ("Because you upvoted …"), put before the abstract.
        var explanation: String? = nil
    }

    struct Feed {
        var title: String
        var description: String
        /// The page this feed mirrors, and the feed's own address (both absolute).
        var pageURL: String
        var feedURL: String
        var items: [Item]
    }

    static func item(_ entry: FeedEntry) -> Item {
        Item(
            paper: entry.paper, date: entry.submission.submittedAt, upvotes: entry.upvotes,
            codeURL: entry.submission.githubRepo ?? entry.paper.codeURL)
    }

    // MARK: Rendering

    static func response(_ feed: Feed, _ format: Format, base: String) -> Response {
        let body: String
        switch format {
        case .rss: body = rss(feed, base: base)
        case .atom: body = atom(feed, base: base)
        case .json: body = json(feed, base: base)
        }
        return Response(
            status: .ok, headers: [.contentType: format.contentType, .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func itemText(_ item: Item) -> String {
        var text = item.paper.abstract
        if let explanation = item.explanation, !explanation.isEmpty { text = explanation + "\n\n" + text }
        var extras = ["\(item.upvotes) upvote\(item.upvotes == 1 ? "" : "s")"]
        if let code = item.codeURL { extras.append("code: \(code)") }
        text += "\n\n" + extras.joined(separator: " · ")
        return text
    }

    static func rss(_ feed: Feed, base: String) -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
            <channel>
              <title>\(XML.escape(feed.title))</title>
              <link>\(XML.escape(feed.pageURL))</link>
              <description>\(XML.escape(feed.description))</description>
              <atom:link href="\(XML.escape(feed.feedURL))" rel="self" type="application/rss+xml"/>
              <lastBuildDate>\(Timestamp.rss(feed.items.map(\.date).max() ?? Date(timeIntervalSince1970: 0)))</lastBuildDate>
              <generator>Paperboy</generator>

            """
        for item in feed.items {
            let url = "\(base)/papers/\(item.paper.id)"
            out += "  <item>\n"
            out += "    <title>\(XML.escape(item.paper.title))</title>\n"
            out += "    <link>\(XML.escape(url))</link>\n"
            out += "    <guid isPermaLink=\"true\">\(XML.escape(url))</guid>\n"
            out += "    <pubDate>\(Timestamp.rss(item.date))</pubDate>\n"
            out += "    <description>\(XML.escape(itemText(item)))</description>\n"
            for author in item.paper.authors { out += "    <dc:creator>\(XML.escape(author))</dc:creator>\n" }
            for category in item.paper.categories { out += "    <category>\(XML.escape(category))</category>\n" }
            out += "  </item>\n"
        }
        out += "</channel>\n</rss>\n"
        return out
    }

    static func atom(_ feed: Feed, base: String) -> String {
        let updated = feed.items.map(\.date).max() ?? Date(timeIntervalSince1970: 0)
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
              <id>\(XML.escape(feed.feedURL))</id>
              <title>\(XML.escape(feed.title))</title>
              <subtitle>\(XML.escape(feed.description))</subtitle>
              <updated>\(Timestamp.atom(updated))</updated>
              <link rel="self" href="\(XML.escape(feed.feedURL))"/>
              <link rel="alternate" type="text/html" href="\(XML.escape(feed.pageURL))"/>
              <author><name>Paperboy</name></author>
              <generator>Paperboy</generator>

            """
        for item in feed.items {
            let url = "\(base)/papers/\(item.paper.id)"
            out += "  <entry>\n"
            out += "    <id>\(XML.escape(url))</id>\n"
            out += "    <title>\(XML.escape(item.paper.title))</title>\n"
            out += "    <link rel=\"alternate\" type=\"text/html\" href=\"\(XML.escape(url))\"/>\n"
            if let code = item.codeURL {
                out += "    <link rel=\"related\" title=\"code\" href=\"\(XML.escape(code))\"/>\n"
            }
            out += "    <updated>\(Timestamp.atom(item.date))</updated>\n"
            if let published = item.paper.publishedAt {
                out += "    <published>\(Timestamp.atom(published))</published>\n"
            }
            for author in item.paper.authors { out += "    <author><name>\(XML.escape(author))</name></author>\n" }
            for category in item.paper.categories { out += "    <category term=\"\(XML.escape(category))\"/>\n" }
            out += "    <summary>\(XML.escape(itemText(item)))</summary>\n"
            out += "  </entry>\n"
        }
        out += "</feed>\n"
        return out
    }

    struct JSONFeed: Encodable {
        struct Author: Encodable { var name: String }
        struct Item: Encodable {
            var id: String
            var url: String
            var external_url: String?
            var title: String
            var content_text: String
            var summary: String
            var date_published: String
            var authors: [Author]
            var tags: [String]
        }

        var version = "https://jsonfeed.org/version/1.1"
        var title: String
        var home_page_url: String
        var feed_url: String
        var description: String
        var items: [Item]
    }

    static func json(_ feed: Feed, base: String) -> String {
        let value = JSONFeed(
            title: feed.title, home_page_url: feed.pageURL, feed_url: feed.feedURL, description: feed.description,
            items: feed.items.map { item in
                let url = "\(base)/papers/\(item.paper.id)"
                return JSONFeed.Item(
                    id: url, url: url, external_url: item.codeURL, title: item.paper.title,
                    content_text: itemText(item),
                    summary: String(item.paper.abstract.prefix(300)), date_published: Timestamp.atom(item.date),
                    authors: item.paper.authors.map { JSONFeed.Author(name: $0) }, tags: item.paper.categories)
            })
        let data = (try? JSONBody<JSONFeed>.encoder.encode(value)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
