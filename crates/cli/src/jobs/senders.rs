//! Where messages go. [`LogSender`] (the default) sends nothing: the message
//! is marked sent "via log", and the pages list those as "messages that
//! would have been sent". [`NotifySender`] posts each message as JSON to a
//! GOV.UK Notify-style HTTP service configured by `RECONNECT_NOTIFY_URL` and
//! `RECONNECT_NOTIFY_KEY`, with the message's idempotency key as its
//! `reference` so the service can drop a repeat.
//!
//! The HTTP sender speaks plain HTTP/1.1 (no TLS library is built in):
//! point it at a local TLS-terminating egress proxy. Message bodies are
//! never written to the log.

use reconnect_store::outbox::{Delivery, Message};
use secrecy::{ExposeSecret, SecretString};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A boxed future returned by a sender.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Delivery> + Send + 'a>>;

/// Sends one message and says how it went.
pub trait Sender: Send + Sync {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a>;
}

/// Records messages instead of sending them.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogSender;

impl Sender for LogSender {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(message = %message.id, kind = %message.kind, channel = message.channel.code(),
                "message recorded as would have been sent (log sender)");
            Delivery::Sent { via: "log".into() }
        })
    }
}

/// Where the HTTP sender posts, and its key.
#[derive(Clone)]
pub struct NotifyConfig {
    /// `http://host:port/base/path`.
    pub url: url::Url,
    pub key: SecretString,
}

impl std::fmt::Debug for NotifyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyConfig")
            .field("url", &self.url.as_str())
            .field("key", &"[redacted]")
            .finish()
    }
}

/// Checks a notify base URL: plain `http://` with a host.
pub fn parse_notify_url(value: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(value.trim()).map_err(|e| format!("is not a URL: {e}"))?;
    if url.scheme() != "http" {
        return Err(
            "must start with http:// (send through a local TLS-terminating egress proxy)".into(),
        );
    }
    if url.host_str().is_none() {
        return Err("must name a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not hold a user name or password (use RECONNECT_NOTIFY_KEY)".into());
    }
    Ok(url)
}

/// Posts messages to a Notify-style HTTP service.
#[derive(Clone, Debug)]
pub struct NotifySender {
    config: NotifyConfig,
    timeout: Duration,
}

impl NotifySender {
    pub fn new(config: NotifyConfig) -> Self {
        Self {
            config,
            timeout: Duration::from_secs(15),
        }
    }

    fn path(&self, message: &Message) -> String {
        let base = self.config.url.path().trim_end_matches('/');
        let kind = match message.channel {
            reconnect_domain::message::Channel::Email => "email",
            _ => "sms",
        };
        format!("{base}/v2/notifications/{kind}")
    }

    async fn post(&self, message: &Message) -> Result<(u16, String), String> {
        let host = self.config.url.host_str().unwrap_or_default().to_string();
        let port = self.config.url.port_or_known_default().unwrap_or(80);
        let body = serde_json::json!({
            "reference": message.idempotency_key,
            "channel": message.channel.code(),
            "recipient": message.recipient,
            "subject": message.subject,
            "body": message.body,
        })
        .to_string();
        let request = format!(
            "POST {} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.path(message),
            self.config.key.expose_secret(),
            body.len()
        );
        let mut stream = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| format!("cannot connect to the message service: {e}"))?;
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("cannot send to the message service: {e}"))?;
        let mut response = Vec::new();
        stream
            .take(64 * 1024)
            .read_to_end(&mut response)
            .await
            .map_err(|e| format!("no answer from the message service: {e}"))?;
        let text = String::from_utf8_lossy(&response);
        let status = text
            .strip_prefix("HTTP/1.")
            .and_then(|r| r.get(2..5))
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or("the message service's answer was not HTTP")?;
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.chars().take(200).collect())
            .unwrap_or_default();
        Ok((status, body))
    }
}

impl Sender for NotifySender {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            match tokio::time::timeout(self.timeout, self.post(message)).await {
                Err(_) => Delivery::Retry {
                    error: "the message service did not answer in time".into(),
                },
                Ok(Err(error)) => Delivery::Retry { error },
                Ok(Ok((status, _))) if (200..300).contains(&status) => Delivery::Sent {
                    via: "notify".into(),
                },
                Ok(Ok((status, body))) if status == 429 || status >= 500 => Delivery::Retry {
                    error: format!("the message service answered {status}: {body}"),
                },
                Ok(Ok((status, body))) => Delivery::Failed {
                    error: format!("the message service refused it ({status}): {body}"),
                },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reconnect_domain::id::MessageId;
    use reconnect_domain::message::Channel;
    use std::sync::{Arc, Mutex};
    use tokio::net::TcpListener;

    fn message() -> Message {
        Message {
            id: MessageId::new(),
            idempotency_key: "appointment-reminder:abc".into(),
            person_id: None,
            user_id: None,
            kind: "appointment-reminder".into(),
            channel: Channel::Text,
            recipient: "+447700900123".into(),
            subject: "Appointment tomorrow".into(),
            body: "A reminder that you have an appointment tomorrow.".into(),
            state: "sending".into(),
            attempts: 1,
            next_attempt_at: time::OffsetDateTime::UNIX_EPOCH,
            sent_via: None,
            last_error: None,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            sent_at: None,
        }
    }

    /// A stub message service on loopback: answers every request with
    /// `status` and keeps what it was sent.
    async fn stub(status: u16) -> (url::Url, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let keep = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = socket.read(&mut chunk).await.unwrap();
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("Content-Length: "))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if body.len() >= len {
                            keep.lock().unwrap().push(text);
                            break;
                        }
                    }
                    if n == 0 {
                        break;
                    }
                }
                let reply = format!(
                    "HTTP/1.1 {status} Stub\r\nContent-Type: application/json\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{{\"id\":\"stub\"}}"
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        let url = url::Url::parse(&format!("http://{addr}/notify")).unwrap();
        (url, seen)
    }

    fn sender(url: url::Url) -> NotifySender {
        NotifySender::new(NotifyConfig {
            url,
            key: SecretString::from("test-key-123".to_string()),
        })
    }

    #[tokio::test]
    async fn success_posts_json_with_the_key_and_reference() {
        let (url, seen) = stub(201).await;
        let outcome = sender(url).send(&message()).await;
        assert_eq!(
            outcome,
            Delivery::Sent {
                via: "notify".into()
            }
        );
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let request = &seen[0];
        assert!(request.starts_with("POST /notify/v2/notifications/sms HTTP/1.1"));
        assert!(request.contains("Authorization: Bearer test-key-123"));
        let body: serde_json::Value =
            serde_json::from_str(request.split_once("\r\n\r\n").unwrap().1).unwrap();
        assert_eq!(body["reference"], "appointment-reminder:abc");
        assert_eq!(body["recipient"], "+447700900123");
    }

    #[tokio::test]
    async fn server_errors_are_retried_and_refusals_fail() {
        let (url, _) = stub(503).await;
        assert!(matches!(
            sender(url).send(&message()).await,
            Delivery::Retry { error } if error.contains("503")
        ));
        let (url, _) = stub(400).await;
        assert!(matches!(
            sender(url).send(&message()).await,
            Delivery::Failed { error } if error.contains("400")
        ));
        // Nobody listening: retried later.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let url = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        assert!(matches!(
            sender(url).send(&message()).await,
            Delivery::Retry { .. }
        ));
    }

    #[test]
    fn urls_must_be_plain_http_without_credentials() {
        assert!(parse_notify_url("http://127.0.0.1:8025/").is_ok());
        assert!(parse_notify_url("https://api.example.org/").is_err());
        assert!(parse_notify_url("http://user:pw@host/").is_err());
        assert!(parse_notify_url("not a url").is_err());
        let cfg = NotifyConfig {
            url: parse_notify_url("http://127.0.0.1:8025/").unwrap(),
            key: SecretString::from("secret-value".to_string()),
        };
        assert!(!format!("{cfg:?}").contains("secret-value"));
    }

    #[tokio::test]
    async fn the_log_sender_sends_nothing_and_says_so() {
        assert_eq!(
            LogSender.send(&message()).await,
            Delivery::Sent { via: "log".into() }
        );
    }
}
