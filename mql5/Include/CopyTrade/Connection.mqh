//+------------------------------------------------------------------+
//| Connection.mqh -- one TCP (optionally TLS) link to the server.     |
//|                                                                  |
//| Thin wrapper around the MQL5 socket functions; framing, parsing,   |
//| backoff and heartbeat timing are the tested core (Protocol.mqh,    |
//| Backoff.mqh). The host must be listed in Tools > Options > Expert  |
//| Advisors > "Allow WebRequest for listed URL" or SocketConnect      |
//| fails (error 4014).                                               |
//|                                                                  |
//| Server addresses: Configure() takes InpServers (Servers.mqh) or,   |
//| when it is empty, the single InpHost/InpPort. An attempt that does |
//| not reach OK moves the next attempt to the next address (wrapping);|
//| a logged-in link that drops retries the same address first. Every |
//| attempt waits the backoff (docs/protocol.md section 5).           |
//|                                                                  |
//| Use: Configure(), then on every timer tick Poll(nowMs) and drain   |
//| Next(msg) until it returns false. Next() hands over every message  |
//| from the server (OK included, so the EA can send its login         |
//| report); PING is answered here.                                   |
//+------------------------------------------------------------------+
#ifndef CT_CONNECTION_MQH
#define CT_CONNECTION_MQH

#include <CopyTrade/Protocol.mqh>
#include <CopyTrade/Backoff.mqh>
#include <CopyTrade/Servers.mqh>

#define CT_CONNECT_TIMEOUT_MS 3000
#define CT_CONFIG_PAUSE_MS    300000   // after AUTH_FAILED & co: wait 5 minutes
#define CT_READ_CHUNK         65536
#define CT_READ_TIMEOUT_MS    5        // SocketRead wait when SocketIsReadable said "maybe"
#define CT_SEND_TIMEOUT_MS    5000     // give up on a line the socket does not take

#define CT_LINK_DOWN    0
#define CT_LINK_AUTH    1   // connected, AUTH sent, waiting for OK
#define CT_LINK_READY   2   // OK received

// Milliseconds since the EA started, monotonic (GetTickCount wraps after 49 days).
uint g_ctLastTick = 0;
long g_ctElapsedMs = 0;
bool g_ctTickStarted = false;
long CT_NowMs()
  {
   uint now = GetTickCount();
   if(!g_ctTickStarted)
     {
      g_ctTickStarted = true;
      g_ctLastTick = now;
     }
   g_ctElapsedMs += (long)(uint)(now - g_ctLastTick);
   g_ctLastTick = now;
   return g_ctElapsedMs;
  }

class CTConnection
  {
private:
   CTServerList      m_servers;
   int               m_index;   // the address of the current (or next) attempt
   string            m_host;
   uint              m_port;
   bool              m_tls;
   string            m_apiKey;
   string            m_masterToken;
   string            m_client;
   int               m_socket;
   int               m_state;
   long              m_nextAttemptMs;
   long              m_pingSeq;
   string            m_lastError;
   CTBackoff         m_backoff;
   CTHeartbeat       m_heartbeat;
   CTLineReader      m_reader;
   uchar             m_buf[];
   int               m_bufPos;
   int               m_bufLen;

public:
                     CTConnection(void)
     {
      m_socket = INVALID_HANDLE;
      m_state = CT_LINK_DOWN;
      m_nextAttemptMs = 0;
      m_pingSeq = 0;
      m_bufPos = 0;
      m_bufLen = 0;
      m_port = 0;
      m_index = 0;
      m_tls = false;
      m_backoff.Configure(1000, 60000);
     }
                    ~CTConnection(void) { Close("EA stopped"); }

   // False (and `error` says why) if the addresses are malformed; the EA checks this in OnInit.
   bool              Configure(const string servers, const string host, int port, bool tls,
                               const string apiKey, const string masterToken,
                               const string client, string &error)
     {
      if(!m_servers.Parse(servers, port, error))
         return false;
      if(m_servers.count == 0 && !m_servers.Single(host, port, error))
         return false;
      m_index = 0;
      m_host = m_servers.hosts[0];
      m_port = (uint)m_servers.ports[0];
      m_tls = tls;
      m_apiKey = apiKey;
      m_masterToken = masterToken;
      m_client = client;
      return true;
     }
   int               ServerCount(void) const { return m_servers.count; }
   bool              Ready(void) const { return m_state == CT_LINK_READY; }
   bool              Up(void) const { return m_state != CT_LINK_DOWN; }
   string            LastError(void) const { return m_lastError; }
   string            StatusText(void) const
     {
      if(m_state == CT_LINK_READY)
         return "connected to " + m_host + ":" + IntegerToString(m_port) + (m_tls ? " (TLS)" : "");
      if(m_state == CT_LINK_AUTH)
         return "authenticating";
      return "disconnected" + (m_lastError != "" ? ": " + m_lastError : "");
     }

   // Connect when due, send PINGs, detect a dead link.
   void              Poll(long nowMs)
     {
      if(m_state == CT_LINK_DOWN)
        {
         if(nowMs >= m_nextAttemptMs)
            Open(nowMs);
         return;
        }
      if(!SocketIsConnected(m_socket))
        {
         Drop(nowMs, "connection lost", false);
         return;
        }
      if(m_heartbeat.Dead(nowMs))
        {
         Drop(nowMs, "no data from the server for 3 heartbeats", false);
         return;
        }
      if(m_state == CT_LINK_READY && m_heartbeat.PingDue(nowMs))
        {
         m_pingSeq++;
         if(Send(CT_LinePing("PING", m_pingSeq)))
            m_heartbeat.Pinged(nowMs);
        }
     }

   // The next message from the server, or false when none is buffered.
   bool              Next(CTMessage &m)
     {
      while(m_state != CT_LINK_DOWN)
        {
         if(m_bufPos >= m_bufLen && !Fill())
            return false;
         while(m_bufPos < m_bufLen)
           {
            int status = m_reader.Push(m_buf[m_bufPos]);
            m_bufPos++;
            if(status == CT_LINE_TOO_LONG)
               Print("CopyTrade: dropped an overlong line from the server");
            if(status != CT_LINE_READY)
               continue;
            long now = CT_NowMs();
            m_heartbeat.Received(now);
            if(!m_reader.Parse(CT_SERVER_TO_EA, m))
              {
               Print("CopyTrade: unreadable line from the server: ", m.error, " ", m.errorField,
                     " ", m.errorText);
               continue;
              }
            if(Handle(m, now))
               return true;
           }
        }
      return false;
     }

   // Send one line ("\n" added). False if the link is down or the write failed. SocketSend
   // may take fewer bytes than offered: the rest is sent until all is out (or it times out).
   bool              Send(const string line)
     {
      if(m_state == CT_LINK_DOWN || line == "")
         return false;
      string rest = line + "\n";
      uint started = GetTickCount();
      while(StringLen(rest) > 0)
        {
         uchar data[];
         int n = StringToCharArray(rest, data, 0, StringLen(rest), CP_ACP);
         int sent = m_tls ? SocketTlsSend(m_socket, data, n) : SocketSend(m_socket, data, n);
         if(sent <= 0 || (sent < n && GetTickCount() - started > CT_SEND_TIMEOUT_MS))
           {
            Drop(CT_NowMs(), "send failed, error " + IntegerToString(GetLastError()), false);
            return false;
           }
         rest = StringSubstr(rest, sent);
        }
      m_heartbeat.Sent(CT_NowMs());
      return true;
     }

   void              Close(const string why)
     {
      if(m_socket != INVALID_HANDLE)
        {
         SocketClose(m_socket);
         m_socket = INVALID_HANDLE;
        }
      if(m_state != CT_LINK_DOWN)
         Print("CopyTrade: disconnected (", why, ")");
      m_state = CT_LINK_DOWN;
      m_reader.Reset();
      m_bufPos = 0;
      m_bufLen = 0;
     }

private:
   void              Open(long nowMs)
     {
      m_host = m_servers.hosts[m_index];
      m_port = (uint)m_servers.ports[m_index];
      m_socket = SocketCreate(SOCKET_DEFAULT);
      if(m_socket == INVALID_HANDLE)
        {
         Drop(nowMs, "SocketCreate failed, error " + IntegerToString(GetLastError()), false);
         return;
        }
      ResetLastError();
      if(!SocketConnect(m_socket, m_host, m_port, CT_CONNECT_TIMEOUT_MS))
        {
         int err = GetLastError();
         string hint = err == 4014 ? " - add " + m_host +
                       " to Tools > Options > Expert Advisors > Allow WebRequest for listed URL" : "";
         Drop(nowMs, "cannot connect to " + m_host + ":" + IntegerToString(m_port) + ", error " +
              IntegerToString(err) + hint, false);
         return;
        }
      if(m_tls && !SocketTlsHandshake(m_socket, m_host))
        {
         Drop(nowMs, "TLS handshake with " + m_host + " failed, error " +
              IntegerToString(GetLastError()), false);
         return;
        }
      m_state = CT_LINK_AUTH;
      m_reader.Reset();
      m_heartbeat.Start(nowMs);
      Send(CT_LineAuth(m_apiKey, m_masterToken, m_client));
      Print("CopyTrade: connected to ", m_host, ":", m_port, m_tls ? " (TLS)" : "", ", authenticating");
     }

   // Read what is available into m_buf; false if nothing.
   bool              Fill(void)
     {
      m_bufPos = 0;
      m_bufLen = 0;
      if(m_tls)
        {
         int got = SocketTlsReadAvailable(m_socket, m_buf, CT_READ_CHUNK);
         if(got < 0)
           {
            Drop(CT_NowMs(), "TLS read failed, error " + IntegerToString(GetLastError()), false);
            return false;
           }
         m_bufLen = got;
         return got > 0;
        }
      uint ready = SocketIsReadable(m_socket);
      if(ready == 0)
         return false;
      if(ready > CT_READ_CHUNK)
         ready = CT_READ_CHUNK;
      // SocketIsReadable may report 1 with nothing buffered; SocketRead then returns -1 at its
      // timeout. That is an empty read, not a dead link: only a closed socket is.
      ResetLastError();
      int got = SocketRead(m_socket, m_buf, ready, CT_READ_TIMEOUT_MS);
      if(got <= 0)
        {
         if(!SocketIsConnected(m_socket))
            Drop(CT_NowMs(), "read failed, error " + IntegerToString(GetLastError()), false);
         return false;
        }
      m_bufLen = got;
      return true;
     }

   // Connection-level handling; true if the EA should see the message too.
   bool              Handle(CTMessage &m, long nowMs)
     {
      if(m.verb == "PING")
        {
         Send(CT_LinePing("PONG", StringToInteger(m.Get("seq"))));
         return false;
        }
      if(m.verb == "PONG")
         return false;
      if(m.verb == "OK")
        {
         m_state = CT_LINK_READY;
         m_backoff.Reset();
         m_lastError = "";
         m_heartbeat.SetIntervalSeconds(StringToInteger(m.Get("heartbeat_s")));
         Print("CopyTrade: logged in as ", m.Get("role"), ", account id ", m.Get("account_id"));
         return true;
        }
      if(m.verb == "ERR")
        {
         string code = m.Get("code");
         Print("CopyTrade: server error ", code, ": ", m.Get("text"));
         if(CT_ErrorClosesConnection(code))
           {
            Drop(nowMs, "server said " + code + ": " + m.Get("text"), CT_ErrorNeedsConfigChange(code));
            return true;
           }
         return true;
        }
      if(m_state != CT_LINK_READY)
        {
         Print("CopyTrade: ignored ", m.verb, " before login");
         return false;
        }
      return true;
     }

   void              Drop(long nowMs, const string why, bool configProblem)
     {
      bool loggedIn = m_state == CT_LINK_READY;
      Close(why);
      int next = m_servers.NextIndex(m_index, loggedIn);
      m_lastError = why;
      int delay = configProblem ? CT_CONFIG_PAUSE_MS : m_backoff.NextDelayMs(MathRand());
      m_nextAttemptMs = nowMs + delay;
      Print("CopyTrade: ", why, "; next attempt in ", delay / 1000, " s",
            next != m_index ? " to " + m_servers.Address(next) : "");
      m_index = next;
     }
  };

#endif
