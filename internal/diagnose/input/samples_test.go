package input

// Hand-written samples based on the facts file (§2, §3) and real browser/curl output shapes.

const chromeHAR = `{
  "log": {
    "version": "1.2",
    "creator": {"name": "WebInspector", "version": "537.36"},
    "pages": [{"startedDateTime": "2026-11-26T10:00:00.000Z", "id": "page_1", "title": "https://app.example.com/", "pageTimings": {}}],
    "entries": [
      {"_initiator": {"type": "script"}, "_priority": "High", "_resourceType": "fetch", "cache": {}, "connection": "443",
       "pageref": "page_1", "startedDateTime": "2026-11-26T10:00:01.000Z", "time": 85.2,
       "request": {"method": "GET", "url": "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets", "httpVersion": "http/2.0",
         "headers": [{"name": ":authority", "value": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"}, {"name": ":method", "value": "GET"},
           {"name": ":path", "value": "/prod/pets"}, {"name": ":scheme", "value": "https"}, {"name": "accept", "value": "*/*"},
           {"name": "x-api-key", "value": "abcdef0123456789abcdef0123456789bMZHBg"}],
         "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
       "response": {"status": 200, "statusText": "", "httpVersion": "http/2.0",
         "headers": [{"name": "content-type", "value": "application/json"}, {"name": "x-amzn-requestid", "value": "11111111-2222-3333-4444-555555555555"}],
         "cookies": [], "content": {"size": 2, "mimeType": "application/json", "text": "[]"}, "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 200, "_error": null},
       "serverIPAddress": "3.3.3.3", "timings": {"blocked": 1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 80, "receive": 1}},
      {"_resourceType": "fetch", "cache": {}, "pageref": "page_1", "startedDateTime": "2026-11-26T10:00:02.000Z", "time": 40,
       "request": {"method": "POST", "url": "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/orders", "httpVersion": "http/2.0",
         "headers": [{"name": ":authority", "value": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"}, {"name": "authorization", "value": "Bearer eyJhbGciOi.x.y"},
           {"name": "content-type", "value": "application/json"}],
         "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 13, "postData": {"mimeType": "application/json", "text": "{\"qty\": 1}"}},
       "response": {"status": 403, "statusText": "", "httpVersion": "http/2.0",
         "headers": [{"name": "content-type", "value": "application/json"}, {"name": "x-amzn-requestid", "value": "9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f"},
           {"name": "x-amz-apigw-id", "value": "Vts2FFmArPEFh8g="}, {"name": "x-amzn-errortype", "value": "AccessDeniedException"}],
         "cookies": [], "content": {"size": 82, "mimeType": "application/json", "text": "eyJNZXNzYWdlIjoiVXNlciBpcyBub3QgYXV0aG9yaXplZCB0byBhY2Nlc3MgdGhpcyByZXNvdXJjZSJ9", "encoding": "base64"},
         "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 300, "_error": null},
       "serverIPAddress": "3.3.3.3", "timings": {"blocked": 1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 38, "receive": 1}},
      {"_resourceType": "fetch", "cache": {}, "pageref": "page_1", "startedDateTime": "2026-11-26T10:00:03.000Z", "time": 5,
       "request": {"method": "GET", "url": "https://mtls.example.com/v1/me", "httpVersion": "", "headers": [], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
       "response": {"status": 0, "statusText": "", "httpVersion": "", "headers": [], "cookies": [], "content": {"size": 0, "mimeType": "x-unknown"},
         "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 0, "_error": "net::ERR_BAD_SSL_CLIENT_AUTH_CERT"},
       "serverIPAddress": "", "timings": {"blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 0, "receive": 0}}
    ]
  }
}`

const firefoxHAR = `{"log":{"version":"1.2","creator":{"name":"Firefox","version":"133.0"},"browser":{"name":"Firefox","version":"133.0"},
"pages":[{"startedDateTime":"2026-11-26T10:00:00.000+00:00","id":"page_1","title":"App","pageTimings":{"onContentLoad":-8,"onLoad":-8}}],
"entries":[
{"pageref":"page_1","startedDateTime":"2026-11-26T10:00:00.100+00:00","request":{"bodySize":0,"method":"GET","url":"https://app.example.com/","httpVersion":"HTTP/2","headers":[{"name":"Host","value":"app.example.com"}],"cookies":[],"queryString":[],"headersSize":300},"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/2","headers":[{"name":"content-type","value":"text/html"}],"cookies":[],"content":{"mimeType":"text/html","size":10,"text":"<html></html>"},"redirectURL":"","headersSize":100,"bodySize":110},"cache":{},"timings":{"blocked":0,"dns":0,"connect":0,"ssl":0,"send":0,"wait":10,"receive":0},"time":10},
{"pageref":"page_1","startedDateTime":"2026-11-26T10:00:00.200+00:00","request":{"bodySize":0,"method":"GET","url":"https://api.example.com/v1/items?limit=5","httpVersion":"HTTP/2","headers":[{"name":"Host","value":"api.example.com"},{"name":"User-Agent","value":"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"},{"name":"Accept","value":"*/*"},{"name":"Authorization","value":"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"},{"name":"X-Amz-Date","value":"20261126T100000Z"}],"cookies":[],"queryString":[{"name":"limit","value":"5"}],"headersSize":400},"response":{"status":403,"statusText":"Forbidden","httpVersion":"HTTP/2","headers":[{"name":"content-type","value":"application/json"},{"name":"x-amzn-RequestId","value":"0a1b2c3d-0000-1111-2222-333344445555"},{"name":"x-amzn-ErrorType","value":"InvalidSignatureException"},{"name":"date","value":"Thu, 26 Nov 2026 10:20:00 GMT"}],"cookies":[],"content":{"mimeType":"application/json","size":60,"text":"{\"message\":\"Signature expired: 20261126T100000Z is now earlier than 20261126T101500Z\"}"},"redirectURL":"","headersSize":200,"bodySize":260},"cache":{},"timings":{"blocked":0,"dns":0,"connect":0,"ssl":0,"send":0,"wait":30,"receive":0},"time":30,"_securityState":"secure","serverIPAddress":"3.3.3.3","connection":"443"},
{"pageref":"page_1","startedDateTime":"2026-11-26T10:00:00.300+00:00","request":{"bodySize":0,"method":"GET","url":"https://app.example.com/a.js","httpVersion":"HTTP/2","headers":[],"cookies":[],"queryString":[],"headersSize":300},"response":{"status":304,"statusText":"Not Modified","httpVersion":"HTTP/2","headers":[],"cookies":[],"content":{"mimeType":"text/javascript","size":0},"redirectURL":"","headersSize":100,"bodySize":100},"cache":{},"timings":{"blocked":0,"dns":0,"connect":0,"ssl":0,"send":0,"wait":10,"receive":0},"time":10},
{"pageref":"page_1","startedDateTime":"2026-11-26T10:00:00.400+00:00","request":{"bodySize":0,"method":"GET","url":"https://app.example.com/b.js","httpVersion":"HTTP/2","headers":[],"cookies":[],"queryString":[],"headersSize":300},"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/2","headers":[],"cookies":[],"content":{"mimeType":"text/javascript","size":0},"redirectURL":"","headersSize":100,"bodySize":100},"cache":{},"timings":{"blocked":0,"dns":0,"connect":0,"ssl":0,"send":0,"wait":10,"receive":0},"time":10},
{"pageref":"page_1","startedDateTime":"2026-11-26T10:00:00.500+00:00","request":{"bodySize":0,"method":"GET","url":"https://d111111abcdef8.cloudfront.net/img.png","httpVersion":"HTTP/1.1","headers":[],"cookies":[],"queryString":[],"headersSize":300},"response":{"status":403,"statusText":"Forbidden","httpVersion":"HTTP/1.1","headers":[{"name":"Server","value":"CloudFront"},{"name":"X-Cache","value":"Error from cloudfront"},{"name":"Via","value":"1.1 abc.cloudfront.net (CloudFront)"},{"name":"X-Amz-Cf-Id","value":"xyz=="}],"cookies":[],"content":{"mimeType":"text/html","size":20,"text":"<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD></HTML>"},"redirectURL":"","headersSize":100,"bodySize":100},"cache":{},"timings":{"blocked":0,"dns":0,"connect":0,"ssl":0,"send":0,"wait":10,"receive":0},"time":10}
]}}`

// Safari exports omit pages/creator details and put "log" after other keys sometimes.
const safariHAR = `{"extra":{"nested":[1,2,{"a":"b"}]},"log":{"entries":[{"request":{"method":"DELETE","url":"https://x.execute-api.eu-west-1.amazonaws.com/dev/item/1","headers":[{"name":"Host","value":"x.execute-api.eu-west-1.amazonaws.com"}]},"response":{"status":403,"headers":[{"name":"x-amzn-ErrorType","value":"MissingAuthenticationTokenException"}],"content":{"text":"{\"message\":\"Missing Authentication Token\"}"}}}],"version":"1.2","creator":{"name":"WebKit Web Inspector","version":"1.0"}}}`

const curlV = `*   Trying 3.3.3.3:443...
* Connected to a1b2c3d4e5.execute-api.us-east-1.amazonaws.com (3.3.3.3) port 443
* ALPN: curl offers h2,http/1.1
* TLSv1.3 (OUT), TLS handshake, Client hello (1):
* TLSv1.3 (IN), TLS handshake, Server hello (2):
* TLSv1.3 (IN), TLS handshake, Encrypted Extensions (8):
* TLSv1.3 (IN), TLS handshake, Certificate (11):
* TLSv1.3 (IN), TLS handshake, CERT verify (15):
* TLSv1.3 (IN), TLS handshake, Finished (20):
* TLSv1.3 (OUT), TLS handshake, Finished (20):
* SSL connection using TLSv1.3 / TLS_AES_128_GCM_SHA256 / X25519 / RSASSA-PSS
* ALPN: server accepted h2
* Server certificate:
*  subject: CN=*.execute-api.us-east-1.amazonaws.com
* using HTTP/2
* [HTTP/2] [1] OPENED stream for https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets
> GET /prod/pets HTTP/2
> Host: a1b2c3d4e5.execute-api.us-east-1.amazonaws.com
> User-Agent: curl/8.5.0
> Accept: */*
> x-api-key: wrongkey
>
{ [5 bytes data]
< HTTP/2 403 
< date: Thu, 26 Nov 2026 10:00:00 GMT
< content-type: application/json
< content-length: 23
< x-amzn-requestid: 9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f
< x-amzn-errortype: ForbiddenException
< x-amz-apigw-id: Vts2FFmArPEFh8g=
<
{ [23 bytes data]
{"message":"Forbidden"}* Connection #0 to host a1b2c3d4e5.execute-api.us-east-1.amazonaws.com left intact
`

// curl -v -L over HTTP/1.1: a redirect then the failing call, plus an mTLS client cert.
const curlRedirectMTLS = `*   Trying 10.0.0.5:443...
* Connected to api.example.com (10.0.0.5) port 443 (#0)
* TLSv1.2 (OUT), TLS handshake, Client hello (1):
* TLSv1.2 (IN), TLS handshake, Request CERT (13):
* TLSv1.2 (OUT), TLS handshake, Certificate (11):
* TLSv1.2 (OUT), TLS handshake, CERT verify (15):
> GET /old HTTP/1.1
> Host: api.example.com
> Accept: */*
> 
< HTTP/1.1 301 Moved Permanently
< Location: https://api.example.com/v1/new
< Content-Length: 0
< 
* Connection #0 to host api.example.com left intact
* Issue another request to this URL: 'https://api.example.com/v1/new'
* Re-using existing connection #0 with host api.example.com
> GET /v1/new HTTP/1.1
> Host: api.example.com
> Accept: */*
> 
< HTTP/1.1 403 Forbidden
< Content-Type: application/json
< x-amzn-ErrorType: ForbiddenException
< 
{"message":"Forbidden"}
* Connection #0 to host api.example.com left intact
`

const curlHandshakeFail = `*   Trying 3.3.3.3:443...
* Connected to mtls.example.com (3.3.3.3) port 443
* TLSv1.3 (OUT), TLS handshake, Client hello (1):
* TLSv1.3 (IN), TLS handshake, Request CERT (13):
* TLSv1.3 (OUT), TLS handshake, Certificate (11):
* TLSv1.3 (IN), TLS alert, unknown (628):
* OpenSSL SSL_read: error:0A00045C:SSL routines::tlsv13 alert certificate required, errno 0
* Closing connection
curl: (56) OpenSSL SSL_read: error:0A00045C:SSL routines::tlsv13 alert certificate required, errno 0
`

const curlI = `HTTP/1.1 100 Continue

HTTP/1.1 403 Forbidden
Date: Thu, 26 Nov 2026 10:00:00 GMT
Content-Type: application/json
Content-Length: 42
Connection: keep-alive
x-amzn-RequestId: 9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f
x-amzn-ErrorType: IncompleteSignatureException
x-amz-apigw-id: Vts2FFmArPEFh8g=

{"message":"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter."}
`

const rawH2 = `HTTP/2 403
content-type: application/json
apigw-requestid: Vts2FFmArPEFh8g=

{"message":"Forbidden"}`

const rawWithRequest = "GET /prod/admin HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: Bearer abc\r\n\r\nHTTP/1.1 403 Forbidden\r\nServer: awselb/2.0\r\nContent-Type: text/html\r\n\r\n<html><head><title>403 Forbidden</title></head></html>\r\n"

const accessJSON = `{ "requestId":"9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f", "extendedRequestId":"Vts2FFmArPEFh8g=", "ip": "203.0.113.7", "caller":"-", "user":"-", "requestTime":"26/Nov/2026:10:00:00 +0000", "httpMethod":"GET", "resourcePath":"/pets", "status":"403", "protocol":"HTTP/1.1", "responseLength":"23" }
2026-11-26T10:00:01.000Z	{"requestId":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee","status":403,"errorMessage":"Forbidden","errorResponseType":"WAF_FILTERED","wafResponseCode":"WAF_BLOCK","authorizerError":"-","domainName":"api.example.com","path":"/v1/pets","httpMethod":"POST"}
{"context":{"requestId":"12345678-1234-1234-1234-123456789012","status":"403","error":{"message":"User is not authorized to access this resource","responseType":"AUTHORIZER_FAILURE"},"authorizer":{"error":"Unauthorized"}}}
`

const accessCLF = `203.0.113.7 - - [26/Nov/2026:10:00:00 +0000] "GET /pets HTTP/1.1" 403 23 9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f Vts2FFmArPEFh8g=
203.0.113.8 - - [26/Nov/2026:10:00:01 +0000] "POST /orders HTTP/1.1" 200 2 aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee Vts2FFmArPEFh9h=
`

const accessCSV = `203.0.113.7,-,-,26/Nov/2026:10:00:00 +0000,GET,/pets,HTTP/1.1,403,23,9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f,Vts2FFmArPEFh8g=
`

const execLog = `2026-11-26T10:00:00.000Z	(9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f) Extended Request Id: Vts2FFmArPEFh8g=
2026-11-26T10:00:00.001Z	(9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f) Verifying Usage Plan for request: 9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f. API Key: **********************************bMZHBg API Stage: zsuvlqr7nb/prod
2026-11-26T10:00:00.002Z	(9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f) API Key **********************************bMZHBg not authorized because method 'GET /' requires API Key and API Key is not associated with a Usage Plan for API Stage zsuvlqr7nb/prod: No Usage Plan found for key and API Stage
2026-11-26T10:00:00.003Z	(9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f) Method completed with status: 403
(1c2d3e4f-0000-1111-2222-333344445555) Starting execution for request: 1c2d3e4f-0000-1111-2222-333344445555
(1c2d3e4f-0000-1111-2222-333344445555) HTTP Method: POST, Resource Path: /orders
(1c2d3e4f-0000-1111-2222-333344445555) Method request headers: {Accept=*/*, Host=uwe3g5jm54.execute-api.us-east-1.amazonaws.com, x-api-key=**********************************bMZHBg} [TRUNCATED]
(1c2d3e4f-0000-1111-2222-333344445555) Key throttle limit exceeded for RestApi uwe3g5jm54, Stage Prod, Resource k0w8mc, HttpMethod POST. Limit: 1.00 Burst: 1
(1c2d3e4f-0000-1111-2222-333344445555) Method completed with status: 429
(77777777-8888-9999-aaaa-bbbbbbbbbbbb) Starting authorizer: elkw5b for request: 77777777-8888-9999-aaaa-bbbbbbbbbbbb
(77777777-8888-9999-aaaa-bbbbbbbbbbbb) Authorizer result body before parsing: null
(77777777-8888-9999-aaaa-bbbbbbbbbbbb) Execution failed due to configuration error: Could not parse policy
(77777777-8888-9999-aaaa-bbbbbbbbbbbb) AuthorizerConfigurationException
(77777777-8888-9999-aaaa-bbbbbbbbbbbb) Method completed with status: 500
(deadbeef-0000-1111-2222-333344445555) Access denied. Reason: Could not find issuer for certificate
(deadbeef-0000-1111-2222-333344445555) Method completed with status: 403
`

const execConsole = `Execution log for request test-request
Thu Aug 31 01:07:25 UTC 2017 : Starting execution for request: test-invoke-request
Thu Aug 31 01:07:25 UTC 2017 : HTTP Method: GET, Resource Path: /pets
Thu Aug 31 01:07:25 UTC 2017 : Execution failed due to a timeout error
Thu Aug 31 01:07:25 UTC 2017 : Method completed with status: 504
`
