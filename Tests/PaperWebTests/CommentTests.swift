import Foundation
import Hummingbird
import HummingbirdTesting
import PaperModel
import PaperStore
import Testing

@testable import PaperWeb

@Suite("Comments")
struct CommentTests {
    @Test func markdownSubsetRendersAndEverythingElseIsInert() {
        #expect(
            SafeMarkdown.render("**bold** and *em* and `a<b>` [docs](https://example.org/x?a=1&b=2)")
                == "<p><strong>bold</strong> and <em>em</em> and <code>a&lt;b&gt;</code> <a href=\"https://example.org/x?a=1&amp;b=2\" rel=\"nofollow noopener\">docs</a></p>"
        )
        #expect(SafeMarkdown.render("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>")
        #expect(SafeMarkdown.render("[x](javascript:alert(1))") == "<p>[x](javascript:alert(1))</p>")
        #expect(SafeMarkdown.render("<img src=x onerror=alert(1)>").contains("&lt;img"))
        #expect(SafeMarkdown.render("line one\nline two\n\npara") == "<p>line one<br>line two</p><p>para</p>")
        #expect(SafeMarkdown.render("2 * 3 * 4") == "<p>2 * 3 * 4</p>")
    }

    @Test func threadsWithRepliesEditsDeletesAndBadges() async throws {
        try await withBrowserApp { browser, store in
            let feed = try await store.dailyFeed(day: Day("2026-05-30")!)
            let paper = try #require(feed.first?.paper.id)
            _ = try await browser.signUp("alice")
            let first = try await browser.post(
                "/papers/\(paper)/comments", ["body": "Great **results** <script>alert(1)</script>"])
            #expect(first.status == .seeOther)
            let rootID = try #require(try await store.comments(paperID: paper).first?.id)
            #expect(first.headers[.location] == "/papers/\(paper)#comment-\(rootID)")

            let bob = Browser(client: browser.client)
            _ = try await bob.signUp("bobby")
            #expect(
                try await bob.post("/papers/\(paper)/comments", ["body": "Agreed", "parent": "\(rootID)"]).status
                    == .seeOther)
            // Bob may not edit or delete Alice's comment.
            #expect(try await bob.post("/comments/\(rootID)/edit", ["body": "hijacked"]).status == .forbidden)
            #expect(try await bob.post("/comments/\(rootID)/delete", [:]).status == .forbidden)
            #expect(try await bob.post("/papers/\(paper)/comments", ["body": "   "]).status == .badRequest)

            #expect(try await browser.post("/comments/\(rootID)/edit", ["body": "Great *results*"]).status == .seeOther)
            var page = try await browser.get("/papers/\(paper)").text
            #expect(page.contains("Great <em>results</em>"))
            #expect(!page.contains("<script>alert(1)</script>"))
            #expect(page.contains("edited"))
            #expect(page.contains("↳ replying to alice"))
            #expect(page.contains("comment depth-1"))

            // The curator who submitted the listing gets a badge when commenting; curators may delete.
            try await store.setPasswordHash(username: "curator", hash: "$2b$04$invalid", keepingSession: nil)
            _ = try await store.addComment(
                paperID: paper, author: "curator", parentID: nil, body: "Submitted this.", at: Date())
            page = try await browser.get("/papers/\(paper)").text
            #expect(page.contains("<span class=\"badge\">submitter</span>"))

            #expect(try await browser.post("/comments/\(rootID)/delete", [:]).status == .seeOther)
            page = try await browser.get("/papers/\(paper)").text
            #expect(page.contains("Comment deleted."))
            #expect(page.contains("Agreed"))  // the reply stays
            #expect(try await browser.post("/papers/\(paper)/comments", ["body": "x"], csrf: "").status == .forbidden)
        }
    }

    @Test func confirmedAuthorsGetABadge() async throws {
        try await withBrowserApp { browser, store in
            _ = try await browser.signUp("alice")
            try await store.upsert([
                Paper(id: "2611.00002", title: "Mine", abstract: "By me.", authors: ["Alice Example"])
            ])
            try await store.claimAuthorship(paperID: "2611.00002", username: "alice", authorName: "Alice Example")
            _ = try await browser.post("/papers/2611.00002/comments", ["body": "Author here."])
            #expect(!(try await browser.get("/papers/2611.00002").text.contains("badge author")))
            try await store.confirmClaim(paperID: "2611.00002", username: "alice")
            #expect(
                try await browser.get("/papers/2611.00002").text.contains("<span class=\"badge author\">author</span>"))
        }
    }
}
