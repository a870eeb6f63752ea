import Foundation
import Hummingbird
import HummingbirdTesting
import PaperModel
import PaperStore
import Testing

@testable import PaperWeb

@Suite("Submitting papers and profiles")
struct SubmitTests {
    @Test func submitByArxivURLPutsThePaperOnTodaysFeed() async throws {
        try await withBrowserApp { browser, store in
            try await store.upsert([Paper(id: "2611.00001", version: 2, title: "A fresh paper", abstract: "Fresh.")])
            #expect(try await browser.get("/submit").headers[.location] == "/login?next=/submit")
            _ = try await browser.signUp("alice")
            let response = try await browser.post(
                "/submit",
                [
                    "paper": "https://arxiv.org/abs/2611.00001v2", "github": "https://github.com/alice/fresh",
                    "project": "",
                ])
            let today = Day(Date())
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/papers/date/\(today)")
            let submission = try #require(try await store.submission(paperID: "2611.00001"))
            #expect(submission.submitter == "alice" && submission.day == today)
            #expect(submission.githubRepo == "https://github.com/alice/fresh")
            let feed = try await browser.get("/papers/date/\(today)")
            #expect(feed.text.contains("A fresh paper"))
            #expect(feed.text.contains("badge-new"))
            let profile = try await browser.get("/users/alice")
            #expect(profile.text.contains("A fresh paper"))
            #expect(profile.text.contains("Change password"))
        }
    }

    @Test func submissionErrorsAreClear() async throws {
        try await withBrowserApp { browser, store in
            try await store.upsert([Paper(id: "2611.00001", title: "A fresh paper", abstract: "Fresh.")])
            _ = try await browser.signUp("alice")
            for (fields, message) in [
                (["paper": "not a paper"], "not an arXiv id"),
                (["paper": "2611.00009"], "not in Paperboy yet"),
                (["paper": "2611.00001", "github": "javascript:alert(1)"], "https://github.com"),
                (["paper": "2611.00001", "project": "ftp://x"], "http(s) URL"),
            ] {
                let response = try await browser.post("/submit", fields)
                #expect(response.status == .badRequest, "\(fields)")
                #expect(response.text.contains(message), "\(fields)")
            }
            #expect(try await browser.post("/submit", ["paper": "arXiv:2611.00001"]).status == .seeOther)
            let again = try await browser.post("/submit", ["paper": "2611.00001v1"])
            #expect(again.status == .badRequest)
            #expect(again.text.contains("already on the daily feed of \(Day(Date()))"))
            #expect(again.text.contains("submitted by alice"))
            try await browser.client.execute(uri: "/users/nobody", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func curatorsSubmitOnBehalfOfOthers() async throws {
        try await withBrowserApp { browser, store in
            try await store.upsert([
                Paper(id: "2611.00003", title: "Mailed in", abstract: "x"),
                Paper(id: "2611.00004", title: "Other", abstract: "y"),
            ])
            _ = try await browser.signUp("alice")
            #expect(
                try await browser.post("/submit", ["paper": "2611.00003", "on_behalf": "ada"]).text.contains(
                    "Only curators"))
            let curator = Browser(client: browser.client)
            _ = try await curator.signUp("cura")
            try await store.setRole(username: "cura", role: .curator)
            #expect(try await curator.get("/submit").text.contains("On behalf of"))
            #expect(
                try await curator.post("/submit", ["paper": "2611.00003", "on_behalf": "ghost"]).text.contains(
                    "no user"))
            #expect(try await curator.post("/submit", ["paper": "2611.00003", "on_behalf": "ada"]).status == .seeOther)
            #expect(try await store.submission(paperID: "2611.00003")?.submitter == "ada")
            // Hiding spam: members may not, curators may; the paper stays in the store.
            #expect(try await browser.post("/papers/2611.00003/hide", [:]).status == .forbidden)
            #expect(try await curator.get("/papers/2611.00003").text.contains("Take off the daily feed"))
            #expect(try await curator.post("/papers/2611.00003/hide", [:]).status == .seeOther)
            #expect(try await store.submission(paperID: "2611.00003") == nil)
            #expect(try await store.paper(id: "2611.00003") != nil)
        }
    }
}
