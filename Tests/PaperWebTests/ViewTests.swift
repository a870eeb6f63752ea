import Foundation
import Mustache
import PaperModel
import PaperStore
import Testing

@testable import PaperWeb

@Suite("Views and templates")
struct ViewTests {
    static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/PaperWeb/Templates")

    /// Raw HTML only through `SafeHTML`: every `{{{name}}}` in a template names a `…HTML` value, and every `…HTML`
    /// property of a view is a `SafeHTML`.
    @Test func rawHTMLIsOnlySafeHTML() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.templates.path).filter {
            $0.hasSuffix(".mustache")
        }
        #expect(files.count >= 16)
        for file in files {
            let text = try String(contentsOf: Self.templates.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: /\{\{\{\s*([^}\s]+)\s*\}\}\}/) {
                #expect(match.1.hasSuffix("HTML"), "\(file): {{{\(match.1)}}} is not a SafeHTML value")
            }
            #expect(!text.contains("{{&"), "\(file): {{& }} prints raw text")
        }
        let site = SiteInfo(paperCount: 1, searchMode: "lexical-only")
        var paper = PaperPageView(
            site: site, paper: Paper(id: "2605.00001", title: "T", abstract: "A https://x.org", comments: "c"),
            upvotes: 0,
            submission: nil)
        paper.commentList = PaperPageView.thread(
            [
                Comment(
                    id: 1, paperID: "2605.00001", author: "ada", parentID: nil, body: "**b**", createdAt: Date(),
                    editedAt: nil)
            ],
            submitter: nil, confirmedAuthors: [], viewer: nil)
        let views: [Any] = [
            paper, paper.commentList[0],
            SearchResultView(paper: Paper(id: "2605.00001", title: "T", abstract: "A"), upvotes: 0, terms: ["t"]),
            AccountFormView(
                site: site, heading: "h", action: "/", submitLabel: "s", next: "/",
                alternativeHTML: SafeHTML(literal: "<a>x</a>")),
        ]
        var checked = 0
        for view in views {
            for child in Mirror(reflecting: view).children where child.label?.hasSuffix("HTML") == true {
                let value =
                    Mirror(reflecting: child.value).displayStyle == .optional
                    ? Mirror(reflecting: child.value).children.first?.value : child.value
                #expect(value is SafeHTML, "\(type(of: view)).\(child.label!) is not SafeHTML")
                checked += 1
            }
        }
        #expect(checked == 6)
    }

    @Test func safeHTMLEscapesWhatItIsGiven() {
        #expect(SafeHTML.escaping("<b>").html == "&lt;b&gt;")
        #expect(SafeHTML.markdown("<script>").html == "<p>&lt;script&gt;</p>")
        #expect((SafeHTML.escaping("<") + SafeHTML(literal: "<br>")).html == "&lt;<br>")
    }

    @Test func renderThrowsForAMissingTemplate() async throws {
        let renderer = try await PageRenderer.load()
        #expect(throws: MissingTemplateError.self) { try renderer.render("no-such-template", [String: String]()) }
        #expect(throws: WebSetupError.self) { try renderer.check(["layout", "no-such-template"]) }
        try renderer.check(PageRenderer.requiredTemplates)
    }

    @Test func startUpChecksEveryTemplateAndStaticResource() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.templates.path).filter {
            $0.hasSuffix(".mustache")
        }
        .map { String($0.dropLast(".mustache".count)) }
        // Every template in the folder is one start-up requires (a new page adds its view to the list).
        #expect(Set(files) == Set(PageRenderer.requiredTemplates))
        #expect(try StaticController().assets.map(\.path) == ["/static/paperboy.css", "/static/paperboy.js"])
        #expect(try !OpenAPIController().document.isEmpty)
    }
}
