"""The page of `genrekit serve` in a real browser: headless Chromium loads it, a clip is uploaded
through its file input, and the genre probabilities must appear in the DOM (one entry per class,
summing to 1) with the spectrogram image; a screenshot is saved.

    python3 scripts/browser_test.py <url> <audio file> <screenshot.png> <number of classes>
"""
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

url, audio, screenshot, classes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
options = webdriver.ChromeOptions()
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1000,1100"]:
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.get(url)
    WebDriverWait(driver, 20).until(expected_conditions.text_to_be_present_in_element((By.ID, "model"), "Model:"))
    driver.find_element(By.ID, "file").send_keys(audio)
    WebDriverWait(driver, 60).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "li.probability")) == classes)
    values = [float(e.text) for e in driver.find_elements(By.CSS_SELECTOR, "li.probability .value")]
    names = [e.get_attribute("data-class") for e in driver.find_elements(By.CSS_SELECTOR, "li.probability")]
    assert values == sorted(values, reverse=True), values
    assert abs(sum(values) - 1) < 0.01, values
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#spectrogram img"))
    status = driver.find_element(By.ID, "status").text
    assert "segment" in status, status
    assert driver.find_element(By.ID, "error").text == ""
    print(f"page shows {len(values)} classes, {names[0]} first at {values[0]:.3f}; {status}")
    driver.save_screenshot(screenshot)
finally:
    driver.quit()
