//! Digits as the user prefers: with the `athar_digits=arab` cookie, the digits of a page's
//! text are written ٠١٢٣٤٥٦٧٨٩ — counts, dates, probabilities, names' numbers — while markup,
//! attributes (links, form values) and `<code>` (hashes, tokens, the digit switch itself) keep
//! their ASCII digits, so that what is copied into a command or a form still works. Only pages
//! (HTML) change; the JSON API and downloads never do.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

/// The largest page rewritten (bigger ones are sent as they are).
const MOST: usize = 8 << 20;

/// Rewrites the digits of an HTML answer when the request's cookie asks for Arabic-Indic ones.
pub async fn as_preferred(req: Request, next: Next) -> Response {
    let wants = crate::cookie(req.headers(), crate::DIGITS_COOKIE).is_some_and(|v| v == "arab");
    let res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // A page of unknown or too large a size is sent as it is: never cut short.
    let size = axum::body::HttpBody::size_hint(res.body()).exact().map(|n| n as usize);
    if !wants || !html || size.is_none_or(|n| n > MOST) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MOST).await else {
        parts.status = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from("the page could not be read to write its digits"));
    };
    let text = String::from_utf8_lossy(&bytes);
    let out = arabic_indic(&text);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(out))
}

/// The page with the digits of its text (outside tags and `<code>`, `<script>`, `<style>`,
/// `<textarea>`) in Arabic-Indic form.
pub fn arabic_indic(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut rest = html;
    let mut kept: Option<&'static str> = None;
    while !rest.is_empty() {
        if let Some(i) = rest.find('<') {
            let (text, tail) = rest.split_at(i);
            push_text(&mut out, text, kept.is_some());
            let end = tail.find('>').map_or(tail.len(), |j| j + 1);
            let tag = &tail[..end];
            let name: String =
                tag.trim_start_matches('<').chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '/').collect();
            let name = name.to_ascii_lowercase();
            match (kept, name.as_str()) {
                (None, "code" | "script" | "style" | "textarea") => {
                    kept = Some(match name.as_str() {
                        "code" => "/code",
                        "script" => "/script",
                        "style" => "/style",
                        _ => "/textarea",
                    })
                }
                (Some(close), n) if n == close => kept = None,
                _ => {}
            }
            out.push_str(tag);
            rest = &tail[end..];
        } else {
            push_text(&mut out, rest, kept.is_some());
            break;
        }
    }
    out
}

fn push_text(out: &mut String, text: &str, keep: bool) {
    if keep {
        out.push_str(text);
        return;
    }
    // Character references (`&#60;`) keep their digits.
    let mut in_reference = false;
    for c in text.chars() {
        match c {
            '&' => in_reference = true,
            ';' => in_reference = false,
            _ => {}
        }
        match c {
            '0'..='9' if !in_reference => out.push(char::from_u32(0x0660 + (c as u32 - '0' as u32)).unwrap_or(c)),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_digits_change_and_markup_codes_and_references_do_not() {
        let page = r#"<p class="n2">165 records, <a href="/persons/P12">P12</a> &#60;10 <code>ab12</code> 2024-12-09</p><style>.a{width:10px}</style>"#;
        let out = arabic_indic(page);
        assert!(out.contains("١٦٥ records"), "{out}");
        assert!(out.contains(r#"<a href="/persons/P12">P١٢</a>"#), "{out}");
        assert!(out.contains("&#60;١٠"), "the reference kept: {out}");
        assert!(out.contains("<code>ab12</code>") && out.contains("width:10px"), "{out}");
        assert!(out.contains("٢٠٢٤-١٢-٠٩") && out.contains(r#"class="n2""#), "{out}");
    }
}
