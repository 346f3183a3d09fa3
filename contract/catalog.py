"""The product catalog: names, categories and realistic unit-price ranges in USD."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    name: str
    category: str
    min_price: float
    max_price: float
    # Relative popularity: how often it appears in orders.
    weight: float


PRODUCTS: tuple[Product, ...] = (
    Product("Wireless Earbuds", "Electronics", 29.99, 199.99, 8),
    Product("Smartphone", "Electronics", 199.00, 1199.00, 4),
    Product("Laptop", "Electronics", 499.00, 2499.00, 2),
    Product("4K Television", "Electronics", 299.00, 1999.00, 1.5),
    Product("Smartwatch", "Electronics", 99.00, 499.00, 3),
    Product("Running Shoes", "Apparel", 49.99, 179.99, 6),
    Product("Denim Jeans", "Apparel", 24.99, 129.99, 6),
    Product("Winter Jacket", "Apparel", 59.99, 349.99, 3),
    Product("T-Shirt", "Apparel", 9.99, 39.99, 9),
    Product("Coffee Maker", "Home & Kitchen", 29.99, 299.99, 3),
    Product("Air Fryer", "Home & Kitchen", 49.99, 199.99, 4),
    Product("Cookware Set", "Home & Kitchen", 59.99, 399.99, 2),
    Product("Bed Sheets", "Home & Kitchen", 19.99, 149.99, 4),
    Product("Vitamins", "Health", 7.99, 49.99, 7),
    Product("Electric Toothbrush", "Health", 24.99, 249.99, 3),
    Product("Shampoo", "Beauty", 4.99, 29.99, 8),
    Product("Face Moisturizer", "Beauty", 9.99, 89.99, 5),
    Product("Board Game", "Toys & Games", 14.99, 69.99, 3),
    Product("Building Blocks", "Toys & Games", 19.99, 199.99, 3),
    Product("Yoga Mat", "Sports & Outdoors", 14.99, 99.99, 3),
    Product("Camping Tent", "Sports & Outdoors", 79.99, 499.99, 1),
    Product("Dog Food", "Pet Supplies", 19.99, 89.99, 5),
    Product("Paperback Novel", "Books", 7.99, 24.99, 6),
    Product("Ground Coffee", "Grocery", 6.99, 24.99, 7),
)

PRODUCTS_BY_NAME: dict[str, Product] = {p.name: p for p in PRODUCTS}
CATEGORIES: tuple[str, ...] = tuple(sorted({p.category for p in PRODUCTS}))
