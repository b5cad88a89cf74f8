// The single translation unit that compiles Boost.Asio for the load generator
// (BOOST_ASIO_SEPARATE_COMPILATION is set for the whole project in CMakeLists.txt).
#include <boost/asio/impl/src.hpp>
