//! A portal (or a proxy in front of it) that answers garbage gives a clear error naming the
//! request: never a panic, never a hang.

use crate::common::{http, plan_at, serve, stderr};

fn plan_against(response: &'static [u8]) -> (i32, String) {
    let output = plan_at(&serve(response), "rooms:\n  - title: A\n    type: custom\n", "0");
    let err = stderr(&output);
    assert!(!err.contains("panicked"), "{err}");
    (output.status.code().unwrap_or(-1), err)
}

#[test]
fn html_from_a_proxy_with_200_is_named() {
    let (code, err) = plan_against(http(
        "200 OK",
        "text/html",
        "<html><body>Please log in to the proxy</body></html>",
    ));
    assert_eq!(code, 1);
    assert!(err.contains("`GET /api/2.0/files/rooms` answered 200 with a body that is not a DocSpace response (HTML"), "{err}");
}

#[test]
fn a_200_whose_envelope_says_error_is_an_error() {
    let (code, err) = plan_against(http(
        "200 OK",
        "application/json",
        r#"{"status": 1, "statusCode": 500, "error": {"message": "Database is down", "type": null, "stack": null, "hresult": 0}}"#,
    ));
    assert_eq!(code, 1);
    assert!(err.contains("`GET /api/2.0/files/rooms` answered 500: Database is down"), "{err}");
}

#[test]
fn json_of_the_wrong_shape_is_named() {
    let (code, err) = plan_against(http(
        "200 OK",
        "application/json",
        r#"{"response": {"folders": "nope", "total": 1}, "status": 0}"#,
    ));
    assert_eq!(code, 1);
    assert!(err.contains("`GET /api/2.0/files/rooms` answered 200 with a body that is not a DocSpace response (unexpected shape: invalid type: string \"nope\""), "{err}");
}

#[test]
fn a_room_without_its_fields_is_named() {
    let (code, err) = plan_against(http(
        "200 OK",
        "application/json",
        r#"{"response": {"folders": [{"id": 7, "title": "A"}], "total": 1}, "status": 0}"#,
    ));
    assert_eq!(code, 1);
    assert!(err.contains("room 7 has no `roomType`"), "{err}");
}

#[test]
fn a_truncated_body_is_named() {
    let (code, err) = plan_against(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\nConnection: close\r\n\r\n{\"response\": {\"folders\": [",
    );
    assert_eq!(code, 1);
    assert!(err.contains("`GET /api/2.0/files/rooms`"), "{err}");
    assert!(err.contains("cut off") || err.contains("failed"), "{err}");
}

#[test]
fn a_server_that_is_not_http_is_named() {
    let (code, err) = plan_against(b"SSH-2.0-OpenSSH_9.6\r\n");
    assert_eq!(code, 1);
    assert!(err.contains("`GET /api/2.0/files/rooms` still failed after 1 attempt over"), "{err}");
    assert!(err.contains("failed: the connection failed: invalid HTTP version"), "{err}");
}

#[test]
fn a_control_sequence_in_a_server_message_is_escaped() {
    let (code, err) = plan_against(http(
        "403 Forbidden",
        "application/json",
        "{\"status\": 1, \"statusCode\": 403, \"error\": {\"message\": \"Access \\u001b[31mdenied\\u202e\"}}",
    ));
    assert_eq!(code, 1);
    assert!(err.contains("Access \\u{1b}[31mdenied\\u{202e}"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err}");
}
