package redact_test

import (
	"encoding/base64"
)

// Secrets planted in the samples. Each is random-looking so that no 7-byte window of it occurs in
// the non-secret text around it (noLeak checks every window).
const (
	sAKID      = "AKIAQX4EXAMPLE7Z2WXY"
	sASIA      = "ASIAZ7PLEEXAMPLE4QRS"
	sSig       = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
	sSig2      = "c4b1f0a9e8d7c6b5a4938271605f4e3d2c1b0a99887766554433221100ffeedd"
	sAPIKey    = "Qm9zY2hMaW5rZWRJbkRpc2NyZWV0bHkxNTbMZHBg"
	sSession   = "IQoJb3JpZ2luX2VjEJr//wEaCXVzLWVhc3QtMSJHMEUCIQDq7k3Xv9Pz2LmN4bQw8RtY1uIo5pAs6dFg7hJk8lZx9cVb0nM1qW2eR3tY4uI5oP6aS7dF8gH9jK0lZ1xC2vB3nM4qW5eR6tY7uI8oP9a"
	sCookie    = "sess-9f8e7d6c5b4a39281706"
	sRefresh   = "rt-Zq8Xw7Vu6Ts5Rq4Po3Nm2Lk1Jj0Hh"
	sCode      = "SplxlOBeZQQYbYS6WxSbIA"
	sClientSec = "cs-7Yh3kQ9pLm2Xz8VtWw"
	sPassword  = "hunter2-correct-horse"
	sOpaque    = "opq_4f7a1c9e2b8d6f3a0c5e7b9d1f2a4c6e"
	sJWTSig    = "Zm9vYmFyYmF6cXV4U2lnbmF0dXJlUGFydE9mVGhlVG9rZW4xMjM0NTY3ODkwYWJjZGVmZ2hpamtsbW5vcA"
	sSubject   = "7d1c2f9e-person-0042"
	sEmail     = "a.smith.1977@mailbox.invalid"
)

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

var (
	sJWTHeader  = b64url(`{"alg":"RS256","kid":"k-2026","typ":"JWT"}`)
	sJWTPayload = b64url(`{"sub":"` + sSubject + `","email":"` + sEmail + `","exp":1795000000,"iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123","token_use":"id"}`)
	sJWT        = sJWTHeader + "." + sJWTPayload + "." + sJWTSig
	sSigV4      = "AWS4-HMAC-SHA256 Credential=" + sAKID + "/20261126/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + sSig
	sSigV4Temp  = "AWS4-HMAC-SHA256 Credential=" + sASIA + "/20261126/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=" + sSig2
)

// allSecrets lists what must not survive a redaction. The JWT's header segment is not secret;
// its payload is re-encoded with the same non-identifying claims, so base64 windows of those may
// recur: jwtClaims checks the decoded payloads instead.
func allSecrets() []string {
	return []string{sAKID, sASIA, sSig, sSig2, sAPIKey, sSession, sCookie, sRefresh, sCode, sClientSec, sPassword, sOpaque, sJWTSig, sSubject, sEmail}
}

func b64std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// chromeHAR is shaped like a Chrome DevTools export (HTTP/2 pseudo-headers, _initiator,
// _resourceType, base64 bodies, "_error": null, pages).
var chromeHAR = `{
  "log": {
    "version": "1.2",
    "creator": {"name": "WebInspector", "version": "537.36"},
    "pages": [{"startedDateTime": "2026-11-26T10:00:00.000Z", "id": "page_1", "title": "https://app.example.com/callback?code=` + sCode + `&state=af0ifjsldkj", "pageTimings": {"onContentLoad": 120.5, "onLoad": -1}}],
    "entries": [
      {"_initiator": {"type": "script", "stack": {"callFrames": [{"functionName": "load", "scriptId": "12", "url": "https://app.example.com/app.js?apikey=` + sAPIKey + `", "lineNumber": 10, "columnNumber": 4}]}},
       "_priority": "High", "_resourceType": "fetch", "cache": {}, "connection": "443", "pageref": "page_1",
       "request": {"method": "GET", "url": "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets?limit=5&api_key=` + sAPIKey + `", "httpVersion": "http/2.0",
         "headers": [{"name": ":authority", "value": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"}, {"name": ":method", "value": "GET"},
           {"name": ":path", "value": "/prod/pets?limit=5&api_key=` + sAPIKey + `"}, {"name": ":scheme", "value": "https"}, {"name": "accept", "value": "*/*"},
           {"name": "x-api-key", "value": "` + sAPIKey + `"}, {"name": "cookie", "value": "session=` + sCookie + `; theme=dark"},
           {"name": "referer", "value": "https://app.example.com/callback?code=` + sCode + `&state=af0ifjsldkj"}],
         "queryString": [{"name": "limit", "value": "5"}, {"name": "api_key", "value": "` + sAPIKey + `"}],
         "cookies": [{"name": "session", "value": "` + sCookie + `", "path": "/", "domain": "app.example.com", "expires": "2027-01-01T00:00:00.000Z", "httpOnly": true, "secure": true}],
         "headersSize": -1, "bodySize": 0},
       "response": {"status": 200, "statusText": "", "httpVersion": "http/2.0",
         "headers": [{"name": "content-type", "value": "application/json"}, {"name": "x-amzn-requestid", "value": "11111111-2222-3333-4444-555555555555"},
           {"name": "set-cookie", "value": "session=` + sCookie + `; Path=/; HttpOnly; Secure"}],
         "cookies": [{"name": "session", "value": "` + sCookie + `", "path": "/", "httpOnly": true, "secure": true}],
         "content": {"size": 2, "mimeType": "application/json", "text": "[]"}, "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 200, "_error": null},
       "serverIPAddress": "3.3.3.3", "startedDateTime": "2026-11-26T10:00:01.000Z", "time": 85.2,
       "timings": {"blocked": 1.5, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 80, "receive": 1, "_blocked_queueing": 0.7}},
      {"_resourceType": "fetch", "cache": {}, "pageref": "page_1", "startedDateTime": "2026-11-26T10:00:02.000Z", "time": 40,
       "request": {"method": "POST", "url": "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/orders", "httpVersion": "http/2.0",
         "headers": [{"name": ":authority", "value": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"}, {"name": "authorization", "value": "Bearer ` + sJWT + `"},
           {"name": "content-type", "value": "application/json"}],
         "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 60,
         "postData": {"mimeType": "application/json", "text": "{\"qty\": 1, \"refresh_token\": \"` + sRefresh + `\", \"note\": \"token ` + sJWT + `\"}"}},
       "response": {"status": 403, "statusText": "", "httpVersion": "http/2.0",
         "headers": [{"name": "content-type", "value": "application/json"}, {"name": "x-amzn-requestid", "value": "9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f"},
           {"name": "x-amz-apigw-id", "value": "Vts2FFmArPEFh8g="}, {"name": "x-amzn-errortype", "value": "IncompleteSignatureException"}],
         "cookies": [], "content": {"size": 300, "mimeType": "application/json", "encoding": "base64",
           "text": "` + b64std(`{"message":"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Bearer `+sJWT+`"}`) + `"},
         "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 300, "_error": null},
       "serverIPAddress": "3.3.3.3", "timings": {"blocked": 1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 38, "receive": 1}},
      {"_resourceType": "document", "cache": {}, "pageref": "page_1", "startedDateTime": "2026-11-26T10:00:03.000Z", "time": 12,
       "request": {"method": "POST", "url": "https://auth.example.com/oauth2/token", "httpVersion": "HTTP/1.1",
         "headers": [{"name": "Host", "value": "auth.example.com"}, {"name": "Content-Type", "value": "application/x-www-form-urlencoded"}, {"name": "Authorization", "value": "Basic ` + b64std("app:"+sClientSec) + `"}],
         "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 90,
         "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "grant_type=authorization_code&code=` + sCode + `&client_secret=` + sClientSec + `&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback",
           "params": [{"name": "grant_type", "value": "authorization_code"}, {"name": "code", "value": "` + sCode + `"}, {"name": "client_secret", "value": "` + sClientSec + `"}]}},
       "response": {"status": 302, "statusText": "Found", "httpVersion": "HTTP/1.1",
         "headers": [{"name": "Location", "value": "https://app.example.com/cb#access_token=` + sOpaque + `&token_type=Bearer&id_token=` + sJWT + `"}],
         "cookies": [], "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "https://app.example.com/cb#access_token=` + sOpaque + `&token_type=Bearer&id_token=` + sJWT + `",
         "headersSize": -1, "bodySize": -1, "_transferSize": 0, "_error": null},
       "serverIPAddress": "3.3.3.4", "timings": {"blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 10, "receive": 0}},
      {"_resourceType": "fetch", "cache": {}, "pageref": "page_1", "startedDateTime": "2026-11-26T10:00:04.000Z", "time": 5,
       "request": {"method": "GET", "url": "https://mtls.example.com/v1/me", "httpVersion": "", "headers": [], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
       "response": {"status": 0, "statusText": "", "httpVersion": "", "headers": [], "cookies": [], "content": {"size": 0, "mimeType": "x-unknown"},
         "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 0, "_error": "net::ERR_BAD_SSL_CLIENT_AUTH_CERT"},
       "serverIPAddress": "", "timings": {"blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 0, "receive": 0}}
    ]
  }
}`

// firefoxHAR is shaped like a Firefox export: HTTP/2 "Host" header, browser, _securityState,
// SigV4 with a session token, a 200 page and a CloudFront 403.
var firefoxHAR = `{"log":{"version":"1.2","creator":{"name":"Firefox","version":"133.0"},"browser":{"name":"Firefox","version":"133.0"},
"pages":[{"startedDateTime":"2026-11-26T10:00:00.000+00:00","id":"page_1","title":"App","pageTimings":{"onContentLoad":-8,"onLoad":-8}}],
"entries":[
{"pageref":"page_1","startedDateTime":"2026-11-26T10:00:00.100+00:00","request":{"bodySize":0,"method":"GET","url":"https://app.example.com/","httpVersion":"HTTP/2","headers":[{"name":"Host","value":"app.example.com"}],"cookies":[],"queryString":[],"headersSize":300},"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/2","headers":[{"name":"content-type","value":"text/html"}],"cookies":[],"content":{"mimeType":"text/html","size":10,"text":"<html><script>window.cfg={\"apiKey\":\"` + sAPIKey + `\"}</script></html>"},"redirectURL":"","headersSize":100,"bodySize":110},"cache":{},"timings":{"blocked":0,"dns":0,"connect":0,"ssl":0,"send":0,"wait":10,"receive":0},"time":10},
{"pageref":"page_1","startedDateTime":"2026-11-26T10:00:00.200+00:00","request":{"bodySize":0,"method":"GET","url":"https://api.example.com/v1/items?limit=5","httpVersion":"HTTP/2","headers":[{"name":"Host","value":"api.example.com"},{"name":"User-Agent","value":"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"},{"name":"Accept","value":"*/*"},{"name":"Authorization","value":"` + sSigV4Temp + `"},{"name":"X-Amz-Date","value":"20261126T100000Z"},{"name":"X-Amz-Security-Token","value":"` + sSession + `"}],"cookies":[],"queryString":[{"name":"limit","value":"5"}],"headersSize":400},"response":{"status":403,"statusText":"Forbidden","httpVersion":"HTTP/2","headers":[{"name":"content-type","value":"application/json"},{"name":"x-amzn-RequestId","value":"0a1b2c3d-0000-1111-2222-333344445555"},{"name":"x-amzn-ErrorType","value":"InvalidSignatureException"},{"name":"date","value":"Thu, 26 Nov 2026 10:20:00 GMT"}],"cookies":[],"content":{"mimeType":"application/json","size":60,"text":"{\"message\":\"Signature expired: 20261126T100000Z is now earlier than 20261126T101500Z (20261126T102000Z - 5 min.)\"}"},"redirectURL":"","headersSize":200,"bodySize":260},"cache":{},"timings":{"blocked":0,"dns":0,"connect":0,"ssl":0,"send":0,"wait":30,"receive":0},"time":30,"_securityState":"secure","serverIPAddress":"3.3.3.3","connection":"443"},
{"pageref":"page_1","startedDateTime":"2026-11-26T10:00:00.300+00:00","request":{"bodySize":0,"method":"GET","url":"https://app.example.com/a.js","httpVersion":"HTTP/2","headers":[],"cookies":[],"queryString":[],"headersSize":300},"response":{"status":304,"statusText":"Not Modified","httpVersion":"HTTP/2","headers":[],"cookies":[],"content":{"mimeType":"text/javascript","size":0},"redirectURL":"","headersSize":100,"bodySize":100},"cache":{},"timings":{"blocked":0,"dns":0,"connect":0,"ssl":0,"send":0,"wait":10,"receive":0},"time":10},
{"pageref":"page_1","startedDateTime":"2026-11-26T10:00:00.400+00:00","request":{"bodySize":0,"method":"GET","url":"https://app.example.com/b.js","httpVersion":"HTTP/2","headers":[],"cookies":[],"queryString":[],"headersSize":300},"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/2","headers":[],"cookies":[],"content":{"mimeType":"text/javascript","size":0},"redirectURL":"","headersSize":100,"bodySize":100},"cache":{},"timings":{"blocked":0,"dns":0,"connect":0,"ssl":0,"send":0,"wait":10,"receive":0},"time":10},
{"pageref":"page_1","startedDateTime":"2026-11-26T10:00:00.500+00:00","request":{"bodySize":0,"method":"GET","url":"https://d111111abcdef8.cloudfront.net/img.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=` + sAKID + `%2F20261126%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=` + sSig + `","httpVersion":"HTTP/1.1","headers":[],"cookies":[],"queryString":[{"name":"X-Amz-Algorithm","value":"AWS4-HMAC-SHA256"},{"name":"X-Amz-Credential","value":"` + sAKID + `/20261126/us-east-1/s3/aws4_request"},{"name":"X-Amz-Signature","value":"` + sSig + `"}],"headersSize":300},"response":{"status":403,"statusText":"Forbidden","httpVersion":"HTTP/1.1","headers":[{"name":"Server","value":"CloudFront"},{"name":"X-Cache","value":"Error from cloudfront"},{"name":"Via","value":"1.1 abc.cloudfront.net (CloudFront)"},{"name":"X-Amz-Cf-Id","value":"xyz=="}],"cookies":[],"content":{"mimeType":"text/html","size":20,"text":"<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD></HTML>"},"redirectURL":"","headersSize":100,"bodySize":100},"cache":{},"timings":{"blocked":0,"dns":0,"connect":0,"ssl":0,"send":0,"wait":10,"receive":0},"time":10}
]}}`

// safariHAR: Safari/WebKit puts "log" after other members, omits pages and many fields.
var safariHAR = `{"extra":{"nested":[1,2,{"a":"b","password":"` + sPassword + `"}]},"log":{"entries":[{"request":{"method":"DELETE","url":"https://x.execute-api.eu-west-1.amazonaws.com/dev/item/1?token=` + sOpaque + `","headers":[{"name":"Host","value":"x.execute-api.eu-west-1.amazonaws.com"},{"name":"Authorization","value":"` + sOpaque + `"}]},"response":{"status":403,"headers":[{"name":"x-amzn-ErrorType","value":"IncompleteSignatureException"}],"content":{"text":"{\"message\":\"Invalid key=value pair (missing equal-sign) in Authorization header: '` + sOpaque + `'.\"}"}}}],"version":"1.2","creator":{"name":"WebKit Web Inspector","version":"1.0"}}}`
